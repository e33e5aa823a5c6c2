import type { ModelInfo } from '@/lib/types';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export default function ModelsTable({ models }: { models: ModelInfo[] }) {
  if (models.length === 0) return <p className="notice">No model is loaded.</p>;
  return (
    <table>
      <caption>Models the api serves, with their figures on held-out test data</caption>
      <thead>
        <tr>
          <th scope="col">Model</th>
          <th scope="col">Version</th>
          <th scope="col">Threshold</th>
          <th scope="col">Accuracy</th>
          <th scope="col">Precision</th>
          <th scope="col">Recall</th>
          <th scope="col">F1</th>
          <th scope="col">Test examples</th>
        </tr>
      </thead>
      <tbody>
        {models.map((m) => (
          <tr key={`${m.name}-${m.version}`}>
            <th scope="row">
              {m.name} <code>{m.file}</code>
            </th>
            <td>{m.version}</td>
            <td>{m.threshold.toFixed(2)}</td>
            <td>{pct(m.evaluation.accuracy)}</td>
            <td>{pct(m.evaluation.precision)}</td>
            <td>{pct(m.evaluation.recall)}</td>
            <td>{m.evaluation.f1.toFixed(3)}</td>
            <td>{m.evaluation.testExamples}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
