/** The worker's Retrieval calls (spread into the ComputeApi in compute.worker.ts). */
import * as Comlink from 'comlink';
import type { BackendInfo } from '../core/gpu/backend';
import { SHIPPED_REID_MODEL } from '../core/reid/model-io';
import type { ComputeApi } from './api';
import { fetchBytes } from './fetch-bytes';
import { runJob } from './jobs';
import { RetrievalService } from './retrieval';

type RetrievalApi = Pick<
  ComputeApi,
  'runRetrieval' | 'retrievalRanking' | 'retrievalPair' | 'retrievalExport'
>;

export function retrievalApi(backend: () => Promise<BackendInfo> | null): RetrievalApi {
  const service = new RetrievalService((signal) =>
    fetchBytes(
      new URL(`${import.meta.env.BASE_URL}${SHIPPED_REID_MODEL}`, self.location.origin).href,
      () => {},
      signal,
    ),
  );
  return {
    runRetrieval(jobId, request, onProgress) {
      return runJob(jobId, async (signal) => {
        const name = (await backend())?.name ?? 'unknown';
        const summary = await service.run(request, signal, onProgress, name);
        return Comlink.transfer(summary, [summary.queryPixels.buffer as ArrayBuffer]);
      });
    },
    async retrievalRanking(query, mode, offset, count) {
      const page = service.ranking(query, mode, offset, count);
      return Comlink.transfer(page, [page.pixels.buffer as ArrayBuffer]);
    },
    async retrievalPair(query, gallery) {
      return service.pair(query, gallery);
    },
    async retrievalExport(mode, topK) {
      return service.exportRows(mode, topK);
    },
  };
}
