-- SPDX-License-Identifier: BSD-2-Clause
-- lib.lua: helpers shared by the cadence-milter miltertest scripts.
-- run.sh passes MILTER_SOCK (the socket of the milter under test) and
-- MILTER_TESTS (this directory) in the environment.

local lib = {}

function lib.connect()
	local sock = os.getenv("MILTER_SOCK")
	if sock == nil then error("MILTER_SOCK is not set") end
	local conn = mt.connect(sock, 40, 0.05)
	if conn == nil then error("mt.connect(" .. sock .. ") failed") end
	return conn
end

function lib.check(what, got, want)
	if got ~= want then
		error(what .. ": reply " .. tostring(got) .. ", expected " .. tostring(want))
	end
end

-- Opens an SMTP transaction: HELO, then the MAIL macros and MAIL FROM.
-- (HELO must come first: in libmilter a command clears the macros of the
-- later stages.) m: { helo=, client=, auth=, qid=, from= }
function lib.begin(conn, m)
	if mt.helo(conn, m.helo or "client.example.net") ~= nil then error("mt.helo() failed") end
	local macros = { "i", m.qid or "TESTQID", "{client_addr}", m.client or "192.0.2.10",
		"{daemon_name}", m.daemon or "smtpd" }
	if m.auth ~= nil then
		table.insert(macros, "{auth_authen}")
		table.insert(macros, m.auth)
	end
	mt.macro(conn, SMFIC_MAIL, (table.unpack or unpack)(macros))
	if mt.mailfrom(conn, m.from or "<>") ~= nil then error("mt.mailfrom() failed") end
	return mt.getreply(conn)
end

-- Sends the headers (a list of {name, value}) and the end of headers;
-- returns the reply to EOH (headers themselves get no reply: SMFIP_NR_HDR).
function lib.headers(conn, headers)
	for _, h in ipairs(headers) do
		if mt.header(conn, h[1], h[2]) ~= nil then error("mt.header(" .. h[1] .. ") failed") end
	end
	if mt.eoh(conn) ~= nil then error("mt.eoh() failed") end
	return mt.getreply(conn)
end

-- Body and end of message; returns the replies to both.
function lib.finish(conn, body)
	if mt.bodystring(conn, body) ~= nil then error("mt.bodystring() failed") end
	local rb = mt.getreply(conn)
	if mt.eom(conn) ~= nil then error("mt.eom() failed") end
	return rb, mt.getreply(conn)
end

-- Asserts that the filter changed nothing in the message at EOM: no
-- header added, inserted, changed or deleted, no new body, and none of
-- rcpts (a list; miltertest asks about recipients one by one) removed.
function lib.untouched(conn, rcpts)
	for _, op in ipairs({ MT_HDRADD, MT_HDRINSERT, MT_HDRCHANGE, MT_HDRDELETE,
			      MT_BODYCHANGE }) do
		if mt.eom_check(conn, op) then error("the message was modified (op " .. op .. ")") end
	end
	for _, r in ipairs(rcpts or {}) do
		if mt.eom_check(conn, MT_RCPTDELETE, r) then error("recipient " .. r .. " removed") end
	end
end

return lib
