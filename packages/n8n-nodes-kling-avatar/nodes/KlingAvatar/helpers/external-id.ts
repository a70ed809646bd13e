import { randomUUID } from 'node:crypto';
import type { IExecuteFunctions } from 'n8n-workflow';

/**
 * A default `external_task_id` for item `itemIndex`: the same for the same item of the same node run in
 * the same execution, so n8n's Retry On Fail (which re-runs the node in that execution) finds the task it
 * already paid for instead of creating another. The run index keeps loops apart; a new execution makes
 * new tasks on purpose. Without an execution id (nothing to be idempotent against) the id is random,
 * so two unsaved runs never share a task.
 */
export function defaultExternalTaskId(context: IExecuteFunctions, itemIndex: number): string {
  const executionId =
    String(context.getExecutionId() ?? '').replace(/[^A-Za-z0-9_-]/g, '') || `x${randomUUID().slice(0, 8)}`;
  const nodeId = String(context.getNode().id ?? context.getNode().name)
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 12);
  let runIndex = 0;
  try {
    runIndex = Number(context.getWorkflowDataProxy(itemIndex).$runIndex) || 0;
  } catch {
    // Some contexts (tools, tests) have no data proxy: the first run is the only run.
  }
  return `n8n-${executionId}-${nodeId}-r${runIndex}-i${itemIndex}`;
}
