-- t-sign.lua: outbound mail from an internal host is DKIM-signed.
--
-- Drives the running cadence-milter (started by run.sh) through a whole
-- message and checks that a DKIM-Signature was inserted at index 1; the
-- signed message is written out (headers + signature + body) so that
-- run.sh can verify the signature offline with dkim_verify.

local sock = os.getenv("MILTER_SOCK")
local out = os.getenv("SIGNED_OUT")
local from = os.getenv("SIGN_FROM") or "Ada Rep <ada@example.com>"
mt.echo("*** sign: " .. from)

local conn = mt.connect(sock, 40, 0.05)
if conn == nil then error("mt.connect() failed") end

-- HELO first: a command clears the macros of later stages in libmilter
if mt.helo(conn, "rep-laptop.example.com") ~= nil then error("mt.helo() failed") end
mt.macro(conn, SMFIC_MAIL, "i", "SIGN1", "{client_addr}", "10.1.2.3",
	"{daemon_name}", "submission")
if mt.mailfrom(conn, "<ada@example.com>") ~= nil then error("mt.mailfrom() failed") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("mailfrom: unexpected reply") end
-- (no RCPT: the milter negotiates it away, and miltertest refuses to send it)
if not mt.test_option(conn, SMFIP_NORCPT) then error("RCPT was not negotiated away") end

local headers = {
	{ "From", from },
	{ "To", "Contact <contact@example.org>" },
	{ "Subject", "Quick question about your  roadmap" },
	{ "Date", "Tue, 01 Dec 2026 09:00:00 +0000" },
	{ "Message-ID", "<t-sign-1@example.com>" },
	{ "MIME-Version", "1.0" },
	{ "Content-Type", "text/plain; charset=utf-8" },
}
for _, h in ipairs(headers) do
	if mt.header(conn, h[1], h[2]) ~= nil then error("mt.header() failed") end
end
if mt.eoh(conn) ~= nil then error("mt.eoh() failed") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("eoh: unexpected reply") end

local body = "Hi there,\r\n\r\nDo you have ten minutes this week?   \r\n\r\n-- \r\nAda\r\n"
if mt.bodystring(conn, body) ~= nil then error("mt.bodystring() failed") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("body: unexpected reply") end
if mt.eom(conn) ~= nil then error("mt.eom() failed") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("eom: unexpected reply") end

if not mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature") then
	error("no DKIM-Signature inserted")
end
local sig = mt.getheader(conn, "DKIM-Signature", 0)
if sig == nil then error("cannot read the DKIM-Signature") end
if string.find(sig, "c=relaxed/relaxed", 1, true) == nil then
	error("not relaxed/relaxed: " .. sig)
end
local alg = os.getenv("SIGN_ALG") or "rsa-sha256"
if string.find(sig, "a=" .. alg, 1, true) == nil then error("not " .. alg .. ": " .. sig) end

-- the signed message, as the MTA would write it (signature first)
local f = assert(io.open(out, "wb"))
f:write("DKIM-Signature: " .. string.gsub(sig, "\r?\n", "\r\n") .. "\r\n")
for _, h in ipairs(headers) do f:write(h[1] .. ": " .. h[2] .. "\r\n") end
f:write("\r\n" .. body)
f:close()

mt.disconnect(conn)
