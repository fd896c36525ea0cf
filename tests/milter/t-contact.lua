-- SPDX-License-Identifier: BSD-2-Clause
-- t-contact.lua: mail from a contact (an address in the store) is read,
-- its authentication is established (trusted Authentication-Results or
-- SPF over the test zone), and it is delivered untouched (its body is
-- read: a contact's mail may be a reply). run.sh checks the log line that
-- records the authentication.
--   env: CONTACT_FROM, CONTACT_CLIENT, CONTACT_AR (an Authentication-Results
--        value, or unset)
local lib = dofile(os.getenv("MILTER_TESTS") .. "/lib.lua")
local from = os.getenv("CONTACT_FROM") or "contact@example.org"
mt.echo("*** contact: " .. from)

local conn = lib.connect()
lib.check("MAIL", lib.begin(conn, { qid = "CONTACT1", from = "<" .. from .. ">",
	client = os.getenv("CONTACT_CLIENT") or "192.0.2.10", helo = "mail.example.org" }),
	SMFIR_CONTINUE)
local headers = {
	{ "Received", "from mail.example.org (mail.example.org [192.0.2.10])" },
	{ "From", "Cody Contact <" .. from .. ">" },
	{ "To", "Ada Rep <ada@example.com>" },
	{ "Subject", "Re: Quick question" },
	{ "Message-ID", "<reply-2@example.org>" },
}
if os.getenv("CONTACT_AR") ~= nil then
	table.insert(headers, 1, { "Authentication-Results", os.getenv("CONTACT_AR") })
end
lib.check("EOH", lib.headers(conn, headers), SMFIR_CONTINUE)
local rb, re = lib.finish(conn, "Sounds good, talk soon.\r\n")
lib.check("EOM", re, SMFIR_CONTINUE)
lib.untouched(conn)
mt.disconnect(conn)
