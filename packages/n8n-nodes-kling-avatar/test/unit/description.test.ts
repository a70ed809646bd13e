import type { INodeProperties, INodePropertyCollection, INodePropertyOptions } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { KlingAvatar } from '../../nodes/KlingAvatar/KlingAvatar.node';
import nodeCodex from '../../nodes/KlingAvatar/KlingAvatar.node.json';
// Vite's ?raw imports keep the test free of file-system access (n8n's lint covers test files too).
import darkIcon from '../../nodes/KlingAvatar/klingAvatar.dark.svg?raw';
import lightIcon from '../../nodes/KlingAvatar/klingAvatar.svg?raw';
import { DEFAULT_CONCURRENCY } from '../../nodes/KlingAvatar/v1/actions/avatar/create.operation';
import { KlingAvatarTrigger } from '../../nodes/KlingAvatarTrigger/KlingAvatarTrigger.node';
import triggerCodex from '../../nodes/KlingAvatarTrigger/KlingAvatarTrigger.node.json';
import manifest from '../../package.json';
import { DEFAULT_WAIT, LIMITS, MODES, TTS_LANGUAGES } from '../../vendor/kling-avatar-core';

const node = new KlingAvatar();
const description = node.nodeVersions[1]!.description;

function find(name: string, operation: string): INodeProperties {
  const property = description.properties.find(
    (candidate) => candidate.name === name && candidate.displayOptions?.show?.operation?.includes(operation),
  );
  if (!property) throw new Error(`no ${name} for ${operation}`);
  return property;
}

function option(property: INodeProperties, name: string): INodeProperties {
  const found = (property.options as INodeProperties[]).find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no option ${name}`);
  return found;
}

describe('node description', () => {
  it('is a versioned, programmatic node usable as a tool', () => {
    expect(node.description.defaultVersion).toBe(1);
    expect(description.usableAsTool).toBe(true);
    expect(description.name).toBe('klingAvatar');
    expect(description.icon).toEqual({ light: 'file:klingAvatar.svg', dark: 'file:klingAvatar.dark.svg' });
    expect(description.credentials).toEqual([{ name: 'klingAiApi', required: true }]);
  });

  it("keeps literal defaults (n8n's lint wants literals) equal to core's limits", () => {
    const options = find('options', 'create');
    expect(option(options, 'timeout').default).toBe(DEFAULT_WAIT.timeoutMs / 1000);
    expect(option(options, 'concurrency').default).toBe(DEFAULT_CONCURRENCY);
    expect(find('mode', 'create').default).toBe(LIMITS.mode.default);
    expect(find('ttsSpeed', 'create').default).toBe(LIMITS.tts.voiceSpeed.default);
    expect(find('voiceSpeed', 'textToSpeech').default).toBe(LIMITS.tts.voiceSpeed.default);
    expect(find('ttsSpeed', 'create').typeOptions).toMatchObject({
      minValue: LIMITS.tts.voiceSpeed.min,
      maxValue: LIMITS.tts.voiceSpeed.max,
    });
    expect((find('mode', 'create').options as INodePropertyOptions[]).map((entry) => entry.value)).toEqual([
      ...MODES,
    ]);
    expect(
      (find('ttsLanguage', 'create').options as INodePropertyOptions[]).map((entry) => entry.value),
    ).toEqual([...TTS_LANGUAGES]);
  });

  it('sorts every options collection alphabetically', () => {
    for (const property of description.properties) {
      if (property.type !== 'collection') continue;
      const names = (property.options as Array<INodeProperties | INodePropertyCollection>).map(
        (entry) => entry.displayName,
      );
      expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    }
  });

  it('ships light and dark icons that differ, and codex files', () => {
    expect(lightIcon).toContain('<svg');
    expect(darkIcon).toContain('<svg');
    expect(lightIcon).not.toBe(darkIcon);
    expect(nodeCodex.node).toBe('n8n-nodes-kling-avatar.klingAvatar');
    expect(triggerCodex.node).toBe('n8n-nodes-kling-avatar.klingAvatarTrigger');
  });

  it('declares the trigger as a POST webhook trigger that is not a tool', () => {
    const trigger = new KlingAvatarTrigger().description;
    expect(trigger.group).toEqual(['trigger']);
    expect(trigger.inputs).toEqual([]);
    expect(trigger.usableAsTool).toBeUndefined();
    expect(trigger.webhooks).toEqual([
      expect.objectContaining({ name: 'default', httpMethod: 'POST', responseMode: 'onReceived' }),
    ]);
  });

  it('has a package.json n8n community nodes accept', () => {
    expect(manifest.keywords).toContain('n8n-community-node-package');
    expect(manifest.license).toBe('MIT');
    expect((manifest as { dependencies?: object }).dependencies ?? {}).toEqual({});
    expect(manifest.peerDependencies).toEqual({ 'n8n-workflow': '*' });
    expect(manifest.n8n).toMatchObject({ n8nNodesApiVersion: 1, strict: true });
    for (const path of [...manifest.n8n.nodes, ...manifest.n8n.credentials])
      expect(path).toMatch(/^dist\/.*\.js$/);
  });
});
