/**
 * openBatchSocket()'s options, described once (@anycast-origin/options): types, defaults,
 * validation and the README table come from here.
 */
import { z } from 'zod';
import { o } from '@anycast-origin/options';
import type { OptionsInput, OptionsOutput } from '@anycast-origin/options';

const fn = <T>() => z.custom<T>((v) => typeof v === 'function');

export type MessageHandler = (msg: Buffer, address: string, port: number, v6: boolean) => Buffer | null | undefined;

export const OPTIONS = o.group({
  host: o.ip({ required: true, doc: "IP literal to bind ('::' is dual-stack: IPv4 senders arrive IPv4-mapped)" }),
  port: o.integer({ min: 0, max: 65_535, default: 0, doc: 'UDP port; 0 = an ephemeral one' }),
  onMessage: o.custom(fn<MessageHandler>(), { required: true, expects: 'a function', doc: 'called for every datagram; returns the reply to its sender, or null' }),
  onError: o.custom(fn<(error: Error) => void>(), { expects: 'a function', doc: 'errors that do not close the socket: a failed send, a dropped datagram or reply' }),
  recvBufferBytes: o.integer({ min: 0, max: 1 << 30, default: 4 << 20, unit: 'bytes', doc: 'SO_RCVBUF (the kernel doubles it, capped by net.core.rmem_max)' }),
  batch: o.integer({ min: 1, max: 256, default: 64, doc: 'datagrams read per recvmmsg' }),
  maxDatagramBytes: o.integer({ min: 512, max: 65_536, default: 65_536, unit: 'bytes', doc: 'largest datagram accepted; larger ones are dropped and reported' }),
  maxReplyBytes: o.integer({ min: 512, max: 65_536, default: 4096, unit: 'bytes', doc: 'largest reply; a larger one is not sent and is reported' }),
  reusePort: o.boolean({ default: false, doc: 'SO_REUSEPORT: other sockets (other processes) may bind the same port and share its load; needs a fixed port' }),
}, { doc: 'batched UDP socket options' });

export type BatchSocketOptions = OptionsInput<typeof OPTIONS>;
export type ResolvedBatchSocketOptions = OptionsOutput<typeof OPTIONS>;
