// Emits OTLP log events with the OpenTelemetry JS SDK, as a Node.js service of
// the agent-runner system would. Used by e2e/jsclient_test.go.
//   node emit.mjs <otlp-http-logs-url> <run-id>
import { SeverityNumber } from '@opentelemetry/api-logs';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';

const [url, runId] = process.argv.slice(2);
if (!url || !runId) {
  console.error('usage: node emit.mjs <otlp-http-logs-url> <run-id>');
  process.exit(2);
}

const provider = new LoggerProvider({
  resource: resourceFromAttributes({ 'service.name': 'web-frontend' }),
  processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url }) })],
});
const logger = provider.getLogger('web-frontend.checkout');

logger.emit({
  eventName: 'mcp.circuit_breaker.opened',
  severityNumber: SeverityNumber.ERROR,
  severityText: 'ERROR',
  body: `js sdk: breaker opened (${runId})`,
  attributes: { 'mcp.server.name': 'browser-tools', 'run.id': runId },
});
logger.emit({
  eventName: 'ui.render',
  severityNumber: SeverityNumber.INFO,
  severityText: 'INFO',
  body: `js sdk: page rendered (${runId})`,
  attributes: { 'run.id': runId },
});

await provider.forceFlush();
await provider.shutdown();
console.log('emitted 2 records');
