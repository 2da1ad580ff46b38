#!/usr/bin/env node
// Build this addon into prebuilds/linux-<arch>/ (or --out FILE; --arch arm64 cross-compiles):
// the project's addon build, scripts/build-addon.mjs at the repository root, says how.
import { buildAddon } from '../../../scripts/build-addon.mjs';

buildAddon(new URL('..', import.meta.url), { name: 'tcp-relay', target: 'tcp_relay', linuxOnly: 'the relay is built on Linux\'s epoll and splice' });
