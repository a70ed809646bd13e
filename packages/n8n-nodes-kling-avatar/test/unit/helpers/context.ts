import type {
  IBinaryData,
  IDataObject,
  IExecuteFunctions,
  IHttpRequestOptions,
  INode,
  INodeExecutionData,
} from 'n8n-workflow';
import { vi } from 'vitest';
import { mockDeep } from 'vitest-mock-extended';

import { BASE_URL, FakeKling } from './fake-kling';

export const NODE: INode = {
  id: '5f0c9a1e-aaaa-bbbb-cccc-000000000001',
  name: 'Kling Avatar',
  type: 'n8n-nodes-kling-avatar.klingAvatar',
  typeVersion: 1,
  position: [0, 0],
  parameters: {},
};

export interface TestItem {
  json?: IDataObject;
  /** Binary fields as raw bytes (with a file name and optional metadata size). */
  binary?: Record<string, { bytes: Uint8Array; fileName?: string; mimeType?: string; reportedSize?: number }>;
}

export interface ContextOptions {
  /** Parameters for every item, or per item index. */
  parameters: IDataObject | ((itemIndex: number) => IDataObject);
  items?: TestItem[];
  continueOnFail?: boolean;
  credentials?: IDataObject;
  executionId?: string;
  signal?: AbortSignal;
}

/** Follow `a.b.c` into a parameters object, as n8n's getNodeParameter does for collections. */
function lookup(parameters: IDataObject, name: string): unknown {
  let value: unknown = parameters;
  for (const part of name.split('.')) value = (value as IDataObject | undefined)?.[part];
  return value;
}

/**
 * A mocked `IExecuteFunctions` (vitest-mock-extended) wired to a FakeKling: parameters in, Kling
 * requests recorded, binary helpers working on in-memory bytes, downloads answered with fake MP4 bytes.
 */
export function createContext(options: ContextOptions) {
  const node = NODE;
  const kling = new FakeKling(node);
  const context = mockDeep<IExecuteFunctions>();
  const items: INodeExecutionData[] = (options.items ?? [{}]).map((item) => ({
    json: item.json ?? {},
    binary: item.binary
      ? Object.fromEntries(
          Object.entries(item.binary).map(([key, value]) => [
            key,
            {
              data: 'filesystem-v2',
              mimeType: value.mimeType ?? 'application/octet-stream',
              fileName: value.fileName,
              bytes: value.reportedSize,
            } as IBinaryData,
          ]),
        )
      : undefined,
  }));
  const parametersFor = (itemIndex: number): IDataObject =>
    typeof options.parameters === 'function' ? options.parameters(itemIndex) : options.parameters;

  context.getNode.mockReturnValue(node);
  context.getInputData.mockReturnValue(items);
  context.getExecutionId.mockReturnValue(options.executionId ?? '42');
  context.continueOnFail.mockReturnValue(options.continueOnFail ?? false);
  context.getExecutionCancelSignal.mockReturnValue(options.signal);
  context.getWorkflowDataProxy.mockReturnValue({ $runIndex: 0 } as never);
  context.getCredentials.mockResolvedValue(
    options.credentials ?? {
      authType: 'apiKey',
      apiKey: 'test-key',
      region: 'custom',
      baseUrl: `${BASE_URL}/`,
    },
  );
  context.getNodeParameter.mockImplementation(((name: string, itemIndex: number, fallback?: unknown) => {
    const value = lookup(parametersFor(itemIndex), name);
    if (value === undefined) {
      if (fallback !== undefined) return fallback;
      throw new Error(`Test did not set parameter "${name}" for item ${itemIndex}`);
    }
    return value;
  }) as never);

  context.helpers.httpRequestWithAuthentication.mockImplementation((async (
    credentialType: string,
    request: IHttpRequestOptions,
  ) => {
    if (credentialType !== 'klingAiApi') throw new Error(`unexpected credential ${credentialType}`);
    return await kling.handle(request);
  }) as never);

  const downloads: string[] = [];
  context.helpers.httpRequest.mockImplementation((async (request: IHttpRequestOptions) => {
    downloads.push(String(request.url));
    const bytes = new TextEncoder().encode(`fake mp4 from ${request.url}`);
    return { body: Buffer.from(bytes), headers: { 'content-type': 'video/mp4' }, statusCode: 200 };
  }) as never);

  context.helpers.assertBinaryData.mockImplementation(((itemIndex: number, property: string) => {
    const binary = items[itemIndex]?.binary?.[property];
    if (!binary)
      throw new Error(`This operation expects the node's input data to contain a binary file '${property}'`);
    return binary;
  }) as never);
  context.helpers.getBinaryDataBuffer.mockImplementation((async (itemIndex: number, property: string) => {
    const bytes = options.items?.[itemIndex]?.binary?.[property]?.bytes;
    if (!bytes) throw new Error(`no binary ${property}`);
    return Buffer.from(bytes);
  }) as never);
  context.helpers.binaryToBuffer.mockImplementation((async (body: Buffer) => body) as never);
  context.helpers.prepareBinaryData.mockImplementation((async (
    buffer: Buffer,
    fileName?: string,
    mimeType?: string,
  ) => ({
    data: buffer.toString('base64'),
    mimeType: mimeType ?? 'application/octet-stream',
    fileName,
    fileSize: `${buffer.length} B`,
    bytes: buffer.length,
  })) as never);

  return { context, kling, downloads, logger: vi.fn() };
}
