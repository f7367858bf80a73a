/** Counters and a latency histogram in the Prometheus text format (no client library needed for this few). */
const buckets = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  private readonly responses = new Map<string, number>();
  private readonly histogram = new Array<number>(buckets.length + 1).fill(0);
  private latencySum = 0;
  private latencyCount = 0;
  connections = 0;
  connectionsTotal = 0;
  badFrames = 0;
  /** Connections closed because a frame begun was not completed within the frame timeout. */
  frameTimeouts = 0;
  /** Connections closed as they arrived, above the connection limit. */
  connectionsRefused = 0;
  /** Answers held back by the forced-outcome rule (.97 cents). */
  dropped = 0;
  /** Answers dropped, or connections closed instead, by an injected fault. */
  faultDropped = 0;

  answered(mti: string, responseCode: string, seconds: number): void {
    const key = `mti="${mti}",code="${responseCode}"`;
    this.responses.set(key, (this.responses.get(key) ?? 0) + 1);
    let i = 0;
    while (i < buckets.length && seconds > buckets[i]!) i++;
    this.histogram[i]!++;
    this.latencySum += seconds;
    this.latencyCount++;
  }

  text(): string {
    const lines = [
      '# HELP pos_switch_responses_total Answers sent, by response MTI and DE39.',
      '# TYPE pos_switch_responses_total counter',
      ...[...this.responses].map(([labels, n]) => `pos_switch_responses_total{${labels}} ${n}`),
      '# HELP pos_switch_request_seconds Time from a request read to its answer written.',
      '# TYPE pos_switch_request_seconds histogram',
    ];
    let cumulative = 0;
    buckets.forEach((le, i) => {
      cumulative += this.histogram[i]!;
      lines.push(`pos_switch_request_seconds_bucket{le="${le}"} ${cumulative}`);
    });
    lines.push(`pos_switch_request_seconds_bucket{le="+Inf"} ${this.latencyCount}`);
    lines.push(`pos_switch_request_seconds_sum ${this.latencySum}`, `pos_switch_request_seconds_count ${this.latencyCount}`);
    // Not `pos_switch_connections`: a counter named `pos_switch_connections_total` makes that a family of its own (OpenMetrics).
    lines.push(
      '# HELP pos_switch_connections_open Terminal connections open now.',
      '# TYPE pos_switch_connections_open gauge',
      `pos_switch_connections_open ${this.connections}`,
      '# HELP pos_switch_connections_total Terminal connections accepted.',
      '# TYPE pos_switch_connections_total counter',
      `pos_switch_connections_total ${this.connectionsTotal}`,
    );
    lines.push(
      '# HELP pos_switch_bad_frames_total Connections closed for a frame that did not decode.',
      '# TYPE pos_switch_bad_frames_total counter',
      `pos_switch_bad_frames_total ${this.badFrames}`,
    );
    lines.push(
      '# HELP pos_switch_frame_timeouts_total Connections closed because a frame begun was not completed in time.',
      '# TYPE pos_switch_frame_timeouts_total counter',
      `pos_switch_frame_timeouts_total ${this.frameTimeouts}`,
      '# HELP pos_switch_connections_refused_total Connections closed as they arrived, above the connection limit.',
      '# TYPE pos_switch_connections_refused_total counter',
      `pos_switch_connections_refused_total ${this.connectionsRefused}`,
    );
    lines.push(
      '# HELP pos_switch_dropped_total Requests left unanswered: by the forced-outcome rule (.97) or an injected fault (drop, disconnect).',
      '# TYPE pos_switch_dropped_total counter',
      `pos_switch_dropped_total{cause="forced"} ${this.dropped}`,
      `pos_switch_dropped_total{cause="fault"} ${this.faultDropped}`,
    );
    return `${lines.join('\n')}\n`;
  }
}
