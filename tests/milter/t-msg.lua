-- SPDX-License-Identifier: BSD-2-Clause
-- t-msg.lua: sends one message, read from a file, through the milter and
-- checks the answers. run.sh writes the message files (as MTAs and mail
-- clients write them) and checks the store afterwards.
--   env: MSG_FILE     the message (headers, blank line, body; LF line ends)
--        MSG_QID      queue id ("i" macro)
--        MSG_CLIENT   client address (InternalHosts: outbound)
--        MSG_AUTH     SMTP AUTH user, or unset
--        MSG_HELO     HELO name
--        MSG_ENVFROM  envelope sender without <> ("" = null sender)
--        MSG_RCPTS    envelope recipients, space-separated
--        EXPECT_EOH   "continue" or "accept" (the milter lets go at EOH)
--        EXPECT_EOM   "continue", "accept", "discard", "reject" or
--                     "replycode" (a reject or tempfail with a text)
--        EXPECT_DEL   recipients the milter must remove, space-separated
--        EXPECT_SIGN  "yes": a DKIM-Signature must be inserted; "no": none
--        SIGNED_OUT   write the message with its signature here (and with
--                     the header changes below applied)
--        EXPECT_TO, EXPECT_CC  the To / Cc header's new value after the
--                     milter changed it ("-": deleted); when neither is
--                     set, no header may be changed or deleted
local lib = dofile(os.getenv("MILTER_TESTS") .. "/lib.lua")

local function words(s)
	local t = {}
	for w in string.gmatch(s or "", "%S+") do table.insert(t, w) end
	return t
end

-- read the message
local f = assert(io.open(os.getenv("MSG_FILE"), "rb"))
local text = f:read("*a")
f:close()
local headers, body = {}, {}
local inbody = false
for line in string.gmatch(text, "([^\n]*)\n") do
	if inbody then
		table.insert(body, line)
	elseif line == "" then
		inbody = true
	elseif string.match(line, "^[ \t]") and #headers > 0 then
		headers[#headers][2] = headers[#headers][2] .. "\n" .. line
	else
		local n, v = string.match(line, "^([^:]+):[ ]?(.*)$")
		if n == nil then error("bad header line: " .. line) end
		table.insert(headers, { n, v })
	end
end
local bodytext = table.concat(body, "\r\n") .. "\r\n"

local codes = { continue = SMFIR_CONTINUE, accept = SMFIR_ACCEPT, discard = SMFIR_DISCARD,
		reject = SMFIR_REJECT, replycode = SMFIR_REPLYCODE, tempfail = SMFIR_TEMPFAIL }
local want_eoh = codes[os.getenv("EXPECT_EOH") or "continue"]
local want_eom = codes[os.getenv("EXPECT_EOM") or "continue"]
mt.echo("*** message " .. os.getenv("MSG_FILE"))

local conn = lib.connect()
local envfrom = os.getenv("MSG_ENVFROM") or ""
lib.check("MAIL", lib.begin(conn, { qid = os.getenv("MSG_QID") or "MSG1",
	from = "<" .. envfrom .. ">", client = os.getenv("MSG_CLIENT") or "192.0.2.10",
	auth = os.getenv("MSG_AUTH"), helo = os.getenv("MSG_HELO") or "mail.example.org" }),
	SMFIR_CONTINUE)
for _, r in ipairs(words(os.getenv("MSG_RCPTS"))) do
	if mt.rcptto(conn, "<" .. r .. ">") ~= nil then error("mt.rcptto() failed") end
end
local r = lib.headers(conn, headers)
lib.check("EOH", r, want_eoh)
if r ~= SMFIR_CONTINUE then
	mt.disconnect(conn)
	return
end
local rb, re = lib.finish(conn, bodytext)
lib.check("EOM", re, want_eom)
if re ~= SMFIR_CONTINUE and re ~= SMFIR_ACCEPT then
	mt.disconnect(conn)
	return
end
for _, d in ipairs(words(os.getenv("EXPECT_DEL"))) do
	if not mt.eom_check(conn, MT_RCPTDELETE, "<" .. d .. ">") then
		error("recipient " .. d .. " was not removed")
	end
end
if os.getenv("EXPECT_DEL") == nil then
	for _, r in ipairs(words(os.getenv("MSG_RCPTS"))) do
		if mt.eom_check(conn, MT_RCPTDELETE, "<" .. r .. ">") then
			error("recipient " .. r .. " was removed")
		end
	end
end
-- header changes: cadence's own addresses taken out of To and Cc
local chg = {}
for _, n in ipairs({ "To", "Cc" }) do
	local v = os.getenv("EXPECT_" .. string.upper(n))
	if v ~= nil then
		chg[string.lower(n)] = v
		if v == "-" then
			if not mt.eom_check(conn, MT_HDRDELETE, n) then error(n .. " was not deleted") end
		elseif not mt.eom_check(conn, MT_HDRCHANGE, n, " " .. v) then
			-- the value keeps its leading space (SMFIP_HDR_LEADSPC: the
			-- milter got " value" and gives back " new value")
			error(n .. " was not changed to \"" .. v .. "\"")
		end
	end
end
if next(chg) == nil then
	if mt.eom_check(conn, MT_HDRCHANGE) then error("a header was changed") end
	if mt.eom_check(conn, MT_HDRDELETE) then error("a header was deleted") end
end
local sign = os.getenv("EXPECT_SIGN")
if sign == "yes" then
	if not mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature") then
		error("no DKIM-Signature inserted")
	end
	local sig = mt.getheader(conn, "DKIM-Signature", 0)
	if os.getenv("SIGNED_OUT") ~= nil then
		local o = assert(io.open(os.getenv("SIGNED_OUT"), "wb"))
		o:write("DKIM-Signature: " .. string.gsub(sig, "\r?\n", "\r\n") .. "\r\n")
		for _, h in ipairs(headers) do
			local v = chg[string.lower(h[1])] or h[2]
			if v ~= "-" then
				o:write(h[1] .. ": " .. string.gsub(v, "\r?\n", "\r\n") .. "\r\n")
			end
		end
		o:write("\r\n" .. bodytext)
		o:close()
	end
elseif sign == "no" then
	if mt.eom_check(conn, MT_HDRINSERT) or mt.eom_check(conn, MT_HDRADD) then
		error("a header was added")
	end
end
if os.getenv("EXPECT_UNTOUCHED") == "yes" then lib.untouched(conn) end
mt.disconnect(conn)
