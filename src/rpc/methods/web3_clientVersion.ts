import { z } from 'zod';
import pkg from '../../../package.json' with { type: 'json' };
import { defineMethod } from '../method.ts';

/** `Levitation/v<version>/<os>-<arch>/node<version>`, in geth's `Geth/v1.x/linux-amd64/go1.x` shape. */
export const CLIENT_VERSION = `Levitation/v${pkg.version}/${process.platform}-${process.arch}/node${process.versions.node}`;

/** `web3_clientVersion` → {@link CLIENT_VERSION}. */
export const web3_clientVersion = defineMethod({
  name: 'web3_clientVersion',
  params: z.tuple([]),
  handler: () => CLIENT_VERSION,
});
