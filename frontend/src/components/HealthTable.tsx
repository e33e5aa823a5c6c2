import type { HealthRow } from '@/lib/health';

export default function HealthTable({ rows }: { rows: HealthRow[] }) {
  return (
    <table>
      <caption>Answers of the api&apos;s health endpoints</caption>
      <thead>
        <tr>
          <th scope="col">Check</th>
          <th scope="col">Status</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.path}>
            <th scope="row">
              {r.name} <code>{r.path}</code>
            </th>
            <td className={`status-${r.state}`}>{r.status}</td>
            <td>{r.details || '\u2014'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
