/**
 * The SDK's testing API with the app's evaluator wired in: rules written
 * with the SDK are evaluated exactly as `vigil xccdf eval` evaluates a data
 * stream (sdk/testing.ts has the API; it takes the evaluator so that the SDK
 * never imports the app).
 *
 *   import { evaluateRule, mockTarget } from 'vigil/src/app/rule-testing.js';
 */
import { ruleTester } from '../sdk/testing.js';
import { evaluateXccdf } from './xccdf-eval.js';

export const { evaluateBenchmark, evaluateRule, evaluateRuleReport } = ruleTester(evaluateXccdf);
export { dpkgStatus, mockTarget, MockTarget, singleRuleBenchmark, writeMockRoot, type BenchmarkEvaluation, type EvaluateOptions, type MockEntry, type MockPackage, type MockTargetSpec } from '../sdk/testing.js';
