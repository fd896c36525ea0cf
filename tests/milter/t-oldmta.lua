-- SPDX-License-Identifier: BSD-2-Clause
-- t-oldmta.lua: an MTA that offers none of the protocol options (no
-- SMFIP_NR_*, no SKIP, no macro list) still gets correct answers: every
-- header is answered, and outbound mail is signed.
local lib = dofile(os.getenv("MILTER_TESTS") .. "/lib.lua")
mt.echo("*** an MTA without protocol options")

local conn = lib.connect()
if mt.negotiate(conn, 6, SMFIF_ADDHDRS, 0) ~= nil then error("mt.negotiate() failed") end
if mt.test_option(conn, SMFIP_NR_HDR) then error("NR_HDR taken though not offered") end
-- (CONNECT and RCPT stay negotiated away: libmilter itself drops the steps
-- a filter has no callback for)
lib.check("MAIL", lib.begin(conn, { qid = "OLD1", from = "<ada@example.com>",
	client = "10.1.2.3" }), SMFIR_CONTINUE)
for _, h in ipairs({ { "From", "Ada Rep <ada@example.com>" },
		     { "To", "contact@example.org" }, { "Subject", "Hello" } }) do
	if mt.header(conn, h[1], h[2]) ~= nil then error("mt.header() failed") end
	lib.check("header " .. h[1], mt.getreply(conn), SMFIR_CONTINUE)
end
if mt.eoh(conn) ~= nil then error("mt.eoh() failed") end
lib.check("EOH", mt.getreply(conn), SMFIR_CONTINUE)
local rb, re = lib.finish(conn, "Hello.\r\n")
lib.check("body", rb, SMFIR_CONTINUE)
lib.check("EOM", re, SMFIR_CONTINUE)
if not mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature") then
	error("no DKIM-Signature inserted")
end
mt.disconnect(conn)
