import { parseArgs } from 'node:util';
import { createRuleEvaluator } from '../../rules/evaluate.ts';
import { loadRuleSet, RuleSetError } from '../../rules/load-rule-set.ts';
import { type Command, UsageError } from '../command.ts';

export const rulesCommand: Command = {
  summary: 'rules check [--dir DIR]: validate and compile rule files, print the set version',
  async run(args, { config }) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { dir: { type: 'string' } } });
    if (positionals[0] !== 'check') throw new UsageError('usage: loupe rules check [--dir DIR]');
    const dir = values.dir ?? config.rulesDir;
    try {
      const ruleSet = await loadRuleSet(dir);
      // What a scorer does on activation: a rule the compiled evaluator refuses (JSONPath on a fact,
      // say) would be refused there, so it fails the check here.
      createRuleEvaluator(ruleSet);
      console.log(`${ruleSet.version}: ${ruleSet.rules.length} rules in ${ruleSet.files.length} files (${dir})`);
      return 0;
    } catch (error) {
      if (!(error instanceof RuleSetError)) throw error;
      console.error(error.message);
      return 1;
    }
  },
};
