/**
 * The floor of the point-in-time question, in a process of its own like the api: the least any
 * server must do to answer GET /coalitions/{id}?at=&knownAt= with the whole answer (every member
 * with every report that supports it), written as plainly as possible. A bare node:http server;
 * one statement over Annals' own read model that looks up the same rows by the same indexes and
 * has PostgreSQL render the whole answer as JSON text; that text written to the socket as it
 * comes (no framework, no validation of the request, no reshaping to the contract, no JSON parse
 * or stringify in Node). What Annals' api adds on top is what this leaves out, so its latency
 * bounds Annals' from below on this machine.
 *   node -r @swc-node/register bench/lib/query-floor-server.ts <port> <databaseUrl>
 */
import { createServer } from 'node:http';
import { Pool, types } from 'pg';

const [port, databaseUrl] = process.argv.slice(2);

// The answer is sent as PostgreSQL rendered it: never parsed in Node.
types.setTypeParser(types.builtins.JSON, (text: string) => text);

const MEMBERSHIP = ['coalition.member-joined', 'coalition.member-left', 'coalition.role-started', 'coalition.role-ended'];

// The members at $2 as known at $3 by the GiST index (keyed on the coalition id's hash), each member's supporting reports by the
// pair index, the name by the formation-report index: the rows of the answer and nothing more.
const ANSWER = `
  SELECT json_build_object(
           'id', c.coalition_id, 'name', n.name, 'formedAt', n.formed_at, 'at', $2::timestamptz, 'knownAt', $3::timestamptz,
           'members', (SELECT coalesce(json_agg(json_build_object('country', m.country, 'since', m.since, 'roles', m.roles, 'sources',
                              (SELECT coalesce(json_agg(json_build_object('reportId', f.report_id, 'source', f.source) ORDER BY f.occurred_at, f.known_at, f.report_id), '[]'::json)
                                 FROM read_model.facts f
                                WHERE f.version = m.version AND f.coalition_id = m.coalition_id AND f.country = m.country
                                  AND f.type = ANY($4::text[]) AND f.occurred_at >= m.since AND f.occurred_at <= $2
                                  AND f.known_at <= $3 AND (f.retracted_at IS NULL OR f.retracted_at > $3))) ORDER BY m.country), '[]'::json)
                         FROM read_model.membership m
                        WHERE m.version = c.version AND hashtextextended(m.coalition_id, 0) = hashtextextended(c.coalition_id, 0) AND m.coalition_id = c.coalition_id
                          AND m.valid @> $2::timestamptz AND m.known @> $3::timestamptz)) AS answer
    FROM read_model.coalitions c
    LEFT JOIN LATERAL (SELECT f.data->>'name' AS name, f.occurred_at AS formed_at FROM read_model.facts f
                        WHERE f.version = c.version AND f.coalition_id = c.coalition_id AND f.type = 'coalition.formed'
                          AND f.known_at <= $3 AND (f.retracted_at IS NULL OR f.retracted_at > $3)
                        ORDER BY f.occurred_at, f.known_at, f.position LIMIT 1) n ON true
   WHERE c.version = (SELECT version FROM read_model.versions WHERE state = 'active') AND c.coalition_id = $1`;

const pool = new Pool({ connectionString: databaseUrl, max: 4 });

createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://floor');
  const id = url.pathname.split('/')[2];
  pool
    .query<{ answer: string }>({ name: 'answer', text: ANSWER, values: [id, url.searchParams.get('at'), url.searchParams.get('knownAt'), MEMBERSHIP] })
    .then(({ rows }) => {
      response.writeHead(rows[0] ? 200 : 404, { 'content-type': 'application/json' });
      response.end(rows[0]?.answer ?? '{}');
    })
    .catch((error: Error) => {
      response.writeHead(500).end(error.message);
    });
}).listen(Number(port), '127.0.0.1', () => console.log('listening'));
