-- SPDX-License-Identifier: BSD-2-Clause
-- conns.lua: holds CONNS milter connections open at once, each in
-- the middle of a message (bench/bench_rss.sh samples the milter's memory
-- meanwhile). Run by miltertest; env:
--   MILTER_SOCK  the milter's socket
--   CONNS        connections (default 100)
--   KIND         "in": mail from outside to a rep (read to its body, as a
--                possible reply); "out": a rep's mail to outside (not ours)
--   HOLD         seconds to hold them all open (default 3)
--   READY        a file written when all are open (the sampler's cue)
local n = tonumber(os.getenv("CONNS") or "100")
local kind = os.getenv("KIND") or "in"
local hold = tonumber(os.getenv("HOLD") or "3")
local sock = os.getenv("MILTER_SOCK")
local conns = {}

local body = string.rep("Thanks for the note. Could we talk on Thursday afternoon?\r\n", 40)
for i = 1, n do
	local c = mt.connect(sock, 40, 0.05)
	if c == nil then error("mt.connect failed at " .. i) end
	local client = kind == "in" and "192.0.2.10" or "127.0.0.1"
	if mt.helo(c, "client" .. i .. ".example.net") ~= nil then error("mt.helo failed") end
	mt.macro(c, SMFIC_MAIL, "i", string.format("Q%06d", i), "{client_addr}", client,
		"{daemon_name}", "smtpd")
	local from = kind == "in" and "<pat" .. i .. "@prospect.test>" or "<ann@our.test>"
	local rcpt = kind == "in" and "<ann@our.test>" or "<pat" .. i .. "@prospect.test>"
	if mt.mailfrom(c, from) ~= nil then error("mt.mailfrom failed") end
	if mt.rcptto(c, rcpt) ~= nil then error("mt.rcptto failed") end
	local hdrs = {
		{ "From", kind == "in" and "Pat Example <pat" .. i .. "@prospect.test>" or "Ann Rep <ann@our.test>" },
		{ "To", kind == "in" and "Ann Rep <ann@our.test>" or "Pat <pat" .. i .. "@prospect.test>" },
		{ "Subject", "Re: Late shipments at Prospect Inc?" },
		{ "Message-ID", string.format("<bench.%d.%d@prospect.test>", i, os.time()) },
		{ "Date", "Tue, 01 Dec 2026 14:00:00 +0000" },
		{ "Received", "from client" .. i .. ".example.net (client [192.0.2.10]) by mx.our.test" },
	}
	for _, h in ipairs(hdrs) do
		if mt.header(c, h[1], h[2]) ~= nil then error("mt.header failed") end
	end
	if mt.eoh(c) ~= nil then error("mt.eoh failed") end
	local r = mt.getreply(c)
	-- a milter that lets the message go at the end of headers has nothing
	-- more to hold; one that reads on gets the body now, without its end
	if r == SMFIR_CONTINUE then
		if mt.bodystring(c, body) ~= nil then error("mt.bodystring failed") end
	end
	conns[i] = c
end
local ready = os.getenv("READY")
if ready ~= nil then
	local f = assert(io.open(ready, "w"))
	f:write(tostring(n) .. "\n")
	f:close()
end
mt.sleep(hold)
for i = 1, n do
	mt.disconnect(conns[i])
end
