-- SPDX-License-Identifier: BSD-2-Clause
-- t-pass.lua: a message the milter has nothing to do with is accepted
-- untouched, as early as the milter can tell.
--   env: PASS_FROM (From header), PASS_CLIENT (client address),
--        PASS_AUTH (SMTP AUTH user or unset),
--        PASS_AT ("mail" or "eoh": where the milter must let go),
--        PASS_PAD (add this many 60-byte headers, to go past HeaderLimit)
local lib = dofile(os.getenv("MILTER_TESTS") .. "/lib.lua")
local from = os.getenv("PASS_FROM") or "Pat Person <pat@example.org>"
local at = os.getenv("PASS_AT") or "eoh"
mt.echo("*** pass untouched: " .. from .. ", released at " .. at)

local conn = lib.connect()
local r = lib.begin(conn, { qid = "PASS1", from = "<pat@example.org>",
	client = os.getenv("PASS_CLIENT") or "192.0.2.10", auth = os.getenv("PASS_AUTH") })
if at == "mail" then
	lib.check("MAIL", r, SMFIR_ACCEPT)
	mt.disconnect(conn)
	return
end
lib.check("MAIL", r, SMFIR_CONTINUE)
local headers = {
	{ "From", from },
	{ "To", "Ada Rep <ada@example.com>" },
	{ "Subject", "Re: Quick question" },
	{ "Date", "Tue, 01 Dec 2026 10:00:00 +0000" },
	{ "Message-ID", "<reply-1@example.org>" },
}
for i = 1, tonumber(os.getenv("PASS_PAD") or "0") do
	table.insert(headers, { "X-Pad-" .. i, string.rep("x", 50) })
end
lib.check("EOH", lib.headers(conn, headers), SMFIR_ACCEPT)
mt.disconnect(conn)
