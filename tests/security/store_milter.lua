-- SPDX-License-Identifier: BSD-2-Clause
-- store_milter.lua: one message from a contact to a rep, so that
-- cadence-milter opens the store (its look-up of the sender); used by
-- http.sh to see the modes of the files the milter's store handle makes.
-- Replies are not checked here (tests/milter does that).
--   env: MILTER_SOCK, MILTER_TESTS (tests/milter, for lib.lua)
local lib = dofile(os.getenv("MILTER_TESTS") .. "/lib.lua")
local conn = lib.connect()
lib.begin(conn, { qid = "PERM1", from = "<ua@prospect.test>", client = "192.0.2.10",
	helo = "mail.prospect.test" })
if mt.rcptto(conn, "<ann@our.test>") ~= nil then error("mt.rcptto() failed") end
mt.getreply(conn)
lib.headers(conn, {
	{ "From", "<ua@prospect.test>" },
	{ "To", "Ann Example <ann@our.test>" },
	{ "Subject", "Re: Hello" },
	{ "Message-ID", "<perm-1@prospect.test>" },
})
lib.finish(conn, "Thanks.\r\n")
mt.disconnect(conn)
