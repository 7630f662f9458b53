#!/usr/bin/env node
process.stdout.write('oauthkit: not yet\n')
