-- SPDX-License-Identifier: BSD-2-Clause
-- runner.lua: runs the test script named by MILTER_SCRIPT and, when it
-- fails, prints why (miltertest itself only sets the exit status).
local ok, e = pcall(dofile, os.getenv("MILTER_SCRIPT"))
if not ok then
	mt.echo("error: " .. tostring(e))
	os.exit(1)
end
