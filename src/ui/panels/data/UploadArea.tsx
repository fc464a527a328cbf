import { useRef, useState } from 'react';
import type { UploadedFile } from '../../../worker/api';

const ACCEPT = '.png,.jpg,.jpeg,.gz,.idx,.zip,.bin,.ubyte,image/png,image/jpeg';

/** Reads a dropped folder tree through the File System entries API, keeping relative paths for labels. */
async function collectEntries(entry: FileSystemEntry, prefix: string, out: UploadedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    out.push({ path: `${prefix}${file.name}`, file });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) break;
    for (const child of batch) await collectEntries(child, `${prefix}${entry.name}/`, out);
  }
}

function fromFileList(list: FileList | null): UploadedFile[] {
  return Array.from(list ?? [], (file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/** File picker, folder picker and drop zone; labels come from folder names or file-name prefixes. */
export function UploadArea({
  disabled,
  onFiles,
}: {
  disabled: boolean;
  onFiles: (files: UploadedFile[]) => void;
}) {
  const [over, setOver] = useState(false);
  const folderInput = useRef<HTMLInputElement>(null);

  const onInputChange = (e: React.ChangeEvent<HTMLInputElement>) => {
    const files = fromFileList(e.target.files);
    // Clear the input so choosing the same files again still fires a change.
    e.target.value = '';
    if (files.length) onFiles(files);
  };

  const onDrop = async (e: React.DragEvent) => {
    e.preventDefault();
    setOver(false);
    if (disabled) return;
    const entries = Array.from(e.dataTransfer.items, (item) => item.webkitGetAsEntry()).filter(
      (x): x is FileSystemEntry => x !== null,
    );
    const files: UploadedFile[] = [];
    if (entries.length) for (const entry of entries) await collectEntries(entry, '', files);
    else files.push(...fromFileList(e.dataTransfer.files));
    if (files.length) onFiles(files);
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the drop zone is a convenience; the file inputs inside it are the accessible controls
    <div
      className={over ? 'drop-zone over' : 'drop-zone'}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
      data-testid="drop-zone"
    >
      <div>
        <label className="button">
          Upload files…
          <input
            type="file"
            multiple
            accept={ACCEPT}
            disabled={disabled}
            data-testid="upload-files"
            onChange={onInputChange}
          />
        </label>{' '}
        <label className="button">
          Upload a folder…
          <input
            ref={(el) => {
              folderInput.current = el;
              el?.setAttribute('webkitdirectory', '');
            }}
            type="file"
            disabled={disabled}
            data-testid="upload-folder"
            onChange={onInputChange}
          />
        </label>
      </div>
      <p className="muted">
        or drop them here: PNG/JPEG images (labels from class sub-folders or prefixes like{' '}
        <code>3_img.png</code>), a .zip of such folders, idx / idx.gz pairs (MNIST, Fashion-MNIST) or CIFAR-10{' '}
        <code>data_batch_*.bin</code>.
      </p>
    </div>
  );
}
