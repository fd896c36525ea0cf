-- SPDX-License-Identifier: BSD-2-Clause
-- t-sign.lua: outbound mail (an internal host, or SMTP AUTH) whose From
-- address has a SigningTable entry gets a DKIM-Signature inserted at index
-- 1, relaxed/relaxed, with the algorithm of the key. The signed message is
-- written to SIGNED_OUT so that run.sh verifies the signature offline.
--   env: SIGN_FROM (From header), SIGN_ALG (rsa-sha256|ed25519-sha256),
--        SIGN_CLIENT (client address), SIGN_AUTH (SMTP AUTH user or unset)
local lib = dofile(os.getenv("MILTER_TESTS") .. "/lib.lua")
local from = os.getenv("SIGN_FROM") or "Ada Rep <ada@example.com>"
local alg = os.getenv("SIGN_ALG") or "rsa-sha256"
mt.echo("*** sign: " .. from .. " (" .. alg .. ")")

local conn = lib.connect()
lib.check("MAIL", lib.begin(conn, { qid = "SIGN1", from = "<ada@example.com>",
	client = os.getenv("SIGN_CLIENT") or "10.1.2.3", auth = os.getenv("SIGN_AUTH"),
	daemon = "submission" }), SMFIR_CONTINUE)

local headers = {
	{ "From", from },
	{ "To", "Contact <contact@example.org>" },
	-- folded as Postfix passes it (LF only inside the value)
	{ "Subject", "Quick question about\n\tyour  roadmap" },
	{ "Date", "Tue, 01 Dec 2026 09:00:00 +0000" },
	{ "Message-ID", "<t-sign-1@example.com>" },
	{ "MIME-Version", "1.0" },
	{ "Content-Type", "text/plain; charset=utf-8" },
}
lib.check("EOH", lib.headers(conn, headers), SMFIR_CONTINUE)
local body = "Hi there,\r\n\r\nDo you have ten minutes this week?   \r\n\r\n-- \r\nAda\r\n"
local rb, re = lib.finish(conn, body)
lib.check("body", rb, SMFIR_CONTINUE)
lib.check("EOM", re, SMFIR_CONTINUE)

if not mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature") then
	error("no DKIM-Signature inserted")
end
local sig = mt.getheader(conn, "DKIM-Signature", 0)
if sig == nil then error("cannot read the DKIM-Signature") end
if not mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature", sig, 1) then
	error("the DKIM-Signature is not at index 1")
end
if string.find(sig, "c=relaxed/relaxed", 1, true) == nil then
	error("not relaxed/relaxed: " .. sig)
end
if string.find(sig, "a=" .. alg, 1, true) == nil then error("not " .. alg .. ": " .. sig) end

-- the signed message, as the MTA would write it (signature first)
local f = assert(io.open(os.getenv("SIGNED_OUT"), "wb"))
f:write("DKIM-Signature: " .. string.gsub(sig, "\r?\n", "\r\n") .. "\r\n")
for _, h in ipairs(headers) do
	f:write(h[1] .. ": " .. string.gsub(h[2], "\r?\n", "\r\n") .. "\r\n")
end
f:write("\r\n" .. body)
f:close()
mt.disconnect(conn)
