/**
 * The model catalogue, one copy for the Run, Batch and Models panels: loaded once, reloaded after
 * an import, so a model installed in the Models panel is offered at once everywhere.
 */
import type { ModelDto } from '../../../../electron/api/contract';
import { errorText, invoke } from '../api';

class ModelsStore {
  list = $state<ModelDto[]>([]);
  error = $state<string | null>(null);
  private loading: Promise<void> | null = null;

  /** The installed models (what a run or a batch can use). */
  get installed(): ModelDto[] {
    return this.list.filter((m) => m.installed);
  }

  get defaultId(): string {
    return this.list.find((m) => m.isDefault)?.id ?? this.list[0]?.id ?? '';
  }

  /** Loads the list; concurrent callers share one request. */
  load(): Promise<void> {
    this.loading ??= invoke('models.list', {})
      .then(
        (m) => {
          this.list = m;
          this.error = null;
        },
        (err: unknown) => {
          this.error = errorText(err);
        },
      )
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  /** Installs a model file (ONNX, Keras HDF5 or LightGBM text), then reloads the list. */
  async import(path: string, cardPath?: string): Promise<ModelDto> {
    const m = await invoke('models.import', { onnxPath: path, ...(cardPath ? { cardPath } : {}) });
    await this.load();
    return m;
  }
}

export const models = new ModelsStore();
