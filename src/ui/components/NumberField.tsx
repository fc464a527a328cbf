/** A labelled number input that only ever reports values within [min, max] (rounded unless `step` < 1). */
export function NumberField({
  id,
  label,
  value,
  min,
  max,
  step = 1,
  onChange,
  testId,
  disabled,
  title,
}: {
  id: string;
  label: string;
  value: number;
  min: number;
  max: number;
  step?: number;
  onChange: (value: number) => void;
  testId?: string;
  disabled?: boolean;
  title?: string;
}) {
  const clamp = (raw: string) => {
    const n = Number(raw);
    const v = Number.isFinite(n) ? n : min;
    return Math.max(min, Math.min(max, step < 1 ? v : Math.round(v)));
  };
  return (
    <>
      <label htmlFor={id} title={title}>
        {label}
      </label>
      <input
        id={id}
        type="number"
        min={min}
        max={max}
        step={step}
        value={value}
        disabled={disabled}
        title={title}
        onChange={(e) => onChange(clamp(e.target.value))}
        data-testid={testId}
      />
    </>
  );
}
