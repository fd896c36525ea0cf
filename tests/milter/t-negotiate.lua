-- SPDX-License-Identifier: BSD-2-Clause
-- t-negotiate.lua: the milter takes only the protocol steps it uses.
-- Offered everything (miltertest's defaults), it must negotiate away
-- CONNECT, DATA and unknown commands, ask for no replies to headers, HELO,
-- MAIL and RCPT, allow SKIP, and ask only for the actions it uses: adding a
-- header (DKIM-Signature), removing a recipient (cadence's own) and
-- changing a header (To/Cc without cadence's own addresses).
local lib = dofile(os.getenv("MILTER_TESTS") .. "/lib.lua")
mt.echo("*** negotiation")

local conn = lib.connect()
if mt.negotiate(conn, nil, nil, nil) ~= nil then error("mt.negotiate() failed") end

for name, opt in pairs({ NOCONNECT = SMFIP_NOCONNECT, NR_RCPT = SMFIP_NR_RCPT,
			 NODATA = SMFIP_NODATA, NOUNKNOWN = SMFIP_NOUNKNOWN,
			 NR_HDR = SMFIP_NR_HDR, NR_HELO = SMFIP_NR_HELO, NR_MAIL = SMFIP_NR_MAIL,
			 SKIP = SMFIP_SKIP }) do
	if not mt.test_option(conn, opt) then error("option SMFIP_" .. name .. " not negotiated") end
end
for name, opt in pairs({ NOHELO = SMFIP_NOHELO, NOMAIL = SMFIP_NOMAIL, NORCPT = SMFIP_NORCPT,
			 NOHDRS = SMFIP_NOHDRS, NOEOH = SMFIP_NOEOH, NOBODY = SMFIP_NOBODY }) do
	if mt.test_option(conn, opt) then error("step SMFIP_" .. name .. " must stay (it is used)") end
end
if not mt.test_action(conn, SMFIF_ADDHDRS) then error("SMFIF_ADDHDRS not requested") end
if not mt.test_action(conn, SMFIF_DELRCPT) then error("SMFIF_DELRCPT not requested") end
if not mt.test_action(conn, SMFIF_CHGHDRS) then error("SMFIF_CHGHDRS not requested") end
for name, act in pairs({ CHGBODY = SMFIF_CHGBODY, ADDRCPT = SMFIF_ADDRCPT,
			 QUARANTINE = SMFIF_QUARANTINE }) do
	if mt.test_action(conn, act) then error("action SMFIF_" .. name .. " requested but unused") end
end

mt.disconnect(conn)
