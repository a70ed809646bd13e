/**
 * zod 4 schemas for the wire format. Requests are strict (an unknown field is a typo on our side);
 * responses are lenient (Kling adds fields; optional fields stay optional). Every limit comes from
 * `limits.ts`; media rules (type, size, pixels, duration) live in the validator, which reads bytes.
 */
import { z } from 'zod';
import { LIMITS, MODES, TASK_STATUSES, TTS_LANGUAGES } from './limits.js';
import type { ApiEnvelope, CreateTaskRequest, TaskRecord, TtsRequest, TtsTaskRecord } from './types.js';

const httpUrl = z.string().refine((value) => /^https?:\/\//i.test(value) && URL.canParse(value), {
  message: 'must be an absolute http or https URL',
});

export const createTaskRequestSchema = z
  .strictObject({
    image: z.string().min(1),
    audio_id: z.string().min(1).optional(),
    sound_file: z.string().min(1).optional(),
    prompt: z
      .string()
      .refine((value) => [...value].length <= LIMITS.prompt.maxLength, {
        message: `must be at most ${LIMITS.prompt.maxLength} characters`,
      })
      .optional(),
    mode: z.enum(MODES).optional(),
    watermark_info: z.strictObject({ enabled: z.boolean() }).optional(),
    callback_url: httpUrl.optional(),
    external_task_id: z.string().min(1).optional(),
  })
  .refine((body) => (body.audio_id === undefined) !== (body.sound_file === undefined), {
    message: 'exactly one of audio_id and sound_file must be provided',
    path: ['sound_file'],
  });

export const taskVideoSchema = z.looseObject({
  id: z.string(),
  url: z.string(),
  watermark_url: z.string().nullish(),
  duration: z.union([z.string(), z.number()]).transform(String),
});

export const taskStatusSchema = z.enum(TASK_STATUSES);

export const taskRecordSchema = z.looseObject({
  task_id: z.string(),
  task_status: taskStatusSchema,
  task_status_msg: z.string().nullish(),
  task_info: z.looseObject({ external_task_id: z.string().nullish() }).nullish(),
  task_result: z.looseObject({ videos: z.array(taskVideoSchema).nullish() }).nullish(),
  watermark_info: z.looseObject({ enabled: z.boolean() }).nullish(),
  final_unit_deduction: z.string().nullish(),
  final_balance_deduction: z
    .looseObject({ quota: z.string().nullish(), list_price: z.string().nullish() })
    .nullish(),
  created_at: z.number().nullish(),
  updated_at: z.number().nullish(),
});

/** A legacy-dialect callback body is the task record itself, without the envelope (§5). */
export const callbackBodySchema = taskRecordSchema;

export function envelopeSchema<Data extends z.ZodType>(data: Data) {
  return z.looseObject({
    code: z.number(),
    message: z.string(),
    request_id: z.string().nullish(),
    data: data.nullish(),
  });
}

export const taskResponseSchema = envelopeSchema(taskRecordSchema);
export const taskListResponseSchema = envelopeSchema(z.array(taskRecordSchema));

export const listTasksQuerySchema = z.strictObject({
  pageNum: z.number().int().min(LIMITS.list.pageNum.min).max(LIMITS.list.pageNum.max).optional(),
  pageSize: z.number().int().min(LIMITS.list.pageSize.min).max(LIMITS.list.pageSize.max).optional(),
});

export const ttsRequestSchema = z.strictObject({
  text: z
    .string()
    .min(1)
    .refine((value) => [...value].length <= LIMITS.tts.text.maxLength, {
      message: `must be at most ${LIMITS.tts.text.maxLength} characters`,
    }),
  voice_id: z.string().min(1),
  voice_language: z.enum(TTS_LANGUAGES).optional(),
  voice_speed: z.number().optional(),
});

export const ttsTaskRecordSchema = z.looseObject({
  task_id: z.string(),
  task_status: taskStatusSchema,
  task_status_msg: z.string().nullish(),
  task_result: z
    .looseObject({
      audios: z
        .array(
          z.looseObject({
            id: z.string(),
            url: z.string(),
            duration: z.union([z.string(), z.number()]).transform(String),
          }),
        )
        .nullish(),
    })
    .nullish(),
  final_unit_deduction: z.string().nullish(),
  created_at: z.number().nullish(),
  updated_at: z.number().nullish(),
});

export const ttsResponseSchema = envelopeSchema(ttsTaskRecordSchema);

/** Compile-time check that the schemas and the hand-written types describe the same wire format. */
type Assignable<Target, Source extends Target> = Source;
type _CreateMatches = Assignable<CreateTaskRequest, z.infer<typeof createTaskRequestSchema>>;
type _TtsMatches = Assignable<TtsRequest, z.infer<typeof ttsRequestSchema>>;
type Denullish<T> = T extends null ? undefined : T extends object ? { [K in keyof T]: Denullish<T[K]> } : T;
type _TaskMatches = Assignable<Partial<TaskRecord>, Denullish<z.infer<typeof taskRecordSchema>>>;
type _TtsTaskMatches = Assignable<Partial<TtsTaskRecord>, Denullish<z.infer<typeof ttsTaskRecordSchema>>>;
type _EnvelopeMatches = Assignable<ApiEnvelope<unknown>, Denullish<z.infer<typeof taskResponseSchema>>>;

export type { _CreateMatches, _EnvelopeMatches, _TaskMatches, _TtsMatches, _TtsTaskMatches };
