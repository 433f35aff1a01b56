import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Engine } from 'json-rules-engine';
import { issuesFromZod } from '../domain/index.ts';
import { conditionProblems, type Rule, RuleFileSchema, RuleSchema } from './rule-schema.ts';

export type { Rule };

export interface RuleFile {
  file: string;
  sha256: string;
  description: string | undefined;
  author: string | undefined;
  rules: Rule[];
}

/** A validated, content-addressed set of rules. Same files, same version, on any machine. */
export interface RuleSet {
  version: string;
  files: RuleFile[];
  rules: Rule[];
}

export class RuleSetError extends Error {
  override name = 'RuleSetError';
  constructor(readonly problems: string[]) {
    super(`rule set refused:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
  }
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Validates one file's text. Problems name the file and, where there is one, the rule. */
export function parseRuleFile(file: string, text: string): { ruleFile?: RuleFile; problems: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problems: [`${file}: not valid JSON: ${(error as Error).message}`] };
  }
  const parsedFile = RuleFileSchema.safeParse(json);
  if (!parsedFile.success) {
    return { problems: issuesFromZod(parsedFile.error).map((issue) => `${file}: ${issue.path}: ${issue.message}`) };
  }
  const problems: string[] = [];
  const rules: Rule[] = [];
  parsedFile.data.rules.forEach((raw, index) => {
    const label = typeof (raw as { name?: unknown })?.name === 'string' ? `rule "${(raw as { name: string }).name}"` : `rules[${index}]`;
    const parsed = RuleSchema.safeParse(raw);
    if (!parsed.success) {
      problems.push(...issuesFromZod(parsed.error).map((issue) => `${file}: ${label}: ${issue.path}: ${issue.message}`));
      return;
    }
    const conditionIssues = conditionProblems(parsed.data.conditions, 'conditions');
    if (conditionIssues.length > 0) {
      problems.push(...conditionIssues.map((issue) => `${file}: ${label}: ${issue}`));
      return;
    }
    rules.push(parsed.data);
  });
  if (problems.length > 0) return { problems };
  return { ruleFile: { file, sha256: sha256(text), description: parsedFile.data.description, author: parsedFile.data.author, rules }, problems };
}

/** Checks a whole set of files: each valid, rule names unique, and accepted by json-rules-engine itself. */
export function buildRuleSet(files: ReadonlyArray<{ file: string; text: string }>): RuleSet {
  if (files.length === 0) throw new RuleSetError(['no rule files (*.json) found']);
  const problems: string[] = [];
  const ruleFiles: RuleFile[] = [];
  for (const { file, text } of [...files].sort((a, b) => a.file.localeCompare(b.file))) {
    const result = parseRuleFile(file, text);
    problems.push(...result.problems);
    if (result.ruleFile) ruleFiles.push(result.ruleFile);
  }
  const seen = new Map<string, string>();
  for (const { file, rules } of ruleFiles) {
    for (const rule of rules) {
      const other = seen.get(rule.name);
      if (other !== undefined) problems.push(`${file}: rule "${rule.name}": name already used in ${other}`);
      seen.set(rule.name, file);
    }
  }
  const rules = ruleFiles.flatMap((ruleFile) => ruleFile.rules);
  if (problems.length === 0) {
    try {
      new Engine(rules as never[]);
    } catch (error) {
      problems.push(`json-rules-engine refused the set: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new RuleSetError(problems);
  const version = `rules-${sha256(ruleFiles.map((f) => `${f.file}:${f.sha256}`).join('\n')).slice(0, 16)}`;
  return { version, files: ruleFiles, rules };
}

/** Reads every `*.json` in `dir` and builds a rule set; throws RuleSetError listing every problem. */
export async function loadRuleSet(dir: string): Promise<RuleSet> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.json'));
  const files = await Promise.all(names.map(async (file) => ({ file, text: await readFile(join(dir, file), 'utf8') })));
  return buildRuleSet(files);
}
