/**
 * The shared scenarios' stage of a load run: one Ledgerline process (cache off) and the
 * PostGraphile peer on the run's database, the fixtures both are asked about, every shared
 * scenario checked to return the same rows on both (a difference fails the run before anything
 * is measured), then measured interleaved (head-to-head.ts). Without the peer (--no-peer, or it
 * could not be installed) Ledgerline's side runs alone and a note says why.
 */
import { type Gateway, startGateway } from './gateway.js';
import { type HeadToHead, runHeadToHead } from './head-to-head.js';
import {
  ensurePeerInstalled,
  PEER_NAME,
  type Peer,
  type PeerFixtures,
  peerFixtures,
  send,
  sharedScenarios,
  startPeer,
  verifyScenario,
} from './peer.js';

export interface SharedStageOptions {
  readonly databaseUrl: string;
  /** Install and measure the peer (false: --no-peer). */
  readonly usePeer: boolean;
  /** Only the shared scenarios whose name contains this. */
  readonly only: string | undefined;
  readonly userToken: string;
  readonly adminToken: string;
  /** The summary's range (YYYY-MM-DD, inclusive). */
  readonly from: string;
  readonly to: string;
  /** The deep page: a user with more than `position` expenses and Ledgerline's cursor there. */
  readonly deep: Parameters<typeof peerFixtures>[0]['deep'];
  readonly rounds: number;
  readonly connections: number;
  readonly seconds: number;
  readonly warmUpSeconds: number;
  readonly notes: string[];
  readonly log: (line: string) => void;
}

/** The shared scenarios' names for these options (their fixture ids do not change them). */
function sharedNames(options: SharedStageOptions): string[] {
  const placeholder: PeerFixtures = {
    user: { token: '', id: 0 },
    expense: { id: 0, globalId: '' },
    adminToken: '',
    from: options.from,
    to: options.to,
    deep: {
      token: '',
      id: 0,
      position: options.deep.position,
      ledgerlineCursor: '',
      peerCursor: '',
    },
  };
  return sharedScenarios(placeholder).map((s) => s.name);
}

/** Runs the stage; undefined when --only leaves no shared scenario. */
export async function sharedStage(options: SharedStageOptions): Promise<HeadToHead | undefined> {
  const { only, notes, log } = options;
  if (only && !sharedNames(options).some((name) => name.includes(only))) return undefined;

  let usePeer = options.usePeer;
  if (!usePeer) {
    notes.push(
      `--no-peer: the shared scenarios ran on Ledgerline alone (one process, cache off), judged against the machine floor instead of ${PEER_NAME}.`,
    );
  } else if (!(await ensurePeerInstalled())) {
    usePeer = false;
    notes.push(
      `The ${PEER_NAME} peer could not be installed (npm ci failed; the console says why): the shared scenarios ran on Ledgerline alone, judged against the machine floor.`,
    );
  }

  log(`Starting Ledgerline (one process, cache off)${usePeer ? ` and ${PEER_NAME}` : ''}…`);
  let gateway: Gateway | undefined;
  let peer: Peer | undefined;
  try {
    [gateway, peer] = await Promise.all([
      startGateway(options.databaseUrl, { CACHE_ENABLED: 'false' }),
      usePeer ? startPeer(options.databaseUrl) : Promise.resolve(undefined),
    ]);
    const fixtures = await peerFixtures({
      ledgerline: gateway.base,
      peer: peer?.base,
      userToken: options.userToken,
      adminToken: options.adminToken,
      from: options.from,
      to: options.to,
      deep: options.deep,
    });
    const all = sharedScenarios(fixtures);
    // Every shared scenario, measured or not: a difference fails the run before any figure.
    for (const scenario of all) {
      if (peer) {
        await verifyScenario(scenario, gateway.base, peer.base);
        log(`  same rows on both: ${scenario.name}`);
      } else {
        const rows = scenario.rows(
          await send(gateway.base, scenario.ledgerline, scenario.ledgerline.token),
        );
        if (rows.length === 0) throw new Error(`${scenario.name}: Ledgerline returned no rows`);
      }
    }
    const measured = all.filter((s) => !only || s.name.includes(only));
    const count = `${measured.length} shared scenario${measured.length === 1 ? '' : 's'}`;
    log(
      peer
        ? `Head-to-head: ${count}, ${options.rounds} rounds each side, interleaved…`
        : `Shared scenarios on Ledgerline alone: ${count}, ${options.rounds} rounds…`,
    );
    return await runHeadToHead({
      scenarios: measured,
      ledgerline: gateway,
      peer: peer ? { ...peer, name: PEER_NAME } : undefined,
      rounds: options.rounds,
      connections: options.connections,
      seconds: options.seconds,
      warmUpSeconds: options.warmUpSeconds,
      log: (line) => log(line),
    });
  } finally {
    await peer?.stop().catch(() => {});
    await gateway?.stop().catch(() => {});
  }
}
