using System.CommandLine;
using System.Globalization;
using Uga.Imaging;
using Uga.Imaging.Shift;
using Uga.Inference;
using Uga.Learning;

namespace Uga.Cli.Commands;

/// <summary>
/// `uga data shift`: writes a copy of a dataset as another laboratory would have produced it (stains, optics,
/// scanner), to measure how a model copes with domain shift. docs/data-shift.md explains every parameter.
/// </summary>
internal static class DataShiftCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Dataset folder: images/*.jpg|png, masks/*.png (same stem), optional cases.csv", Required = true };
        var output = new Option<string>("--out") { Description = "Output dataset folder (outside --data; replaced only if it is a previous shift output)", Required = true };
        var where = new Option<string[]>("--where") { Description = "Keep only cases whose cases.csv column has this value: column=value (repeat to combine)" };
        var dataSpacing = new Option<double?>("--data-spacing") { Description = "µm/px of the images, for a blur in µm (default: the spacing_um column of cases.csv)" };
        var preset = new Option<string?>("--preset") { Description = $"Starting lab: {string.Join(", ", LabShiftPresets.Names)} (explicit parameters override it)" };
        var seed = new Option<int>("--seed") { Description = "Seed of the per-image stain variation and noise (same seed, same bytes)", DefaultValueFactory = _ => 0 };
        var hScale = new Option<double?>("--h-scale") { Description = "Haematoxylin amount factor (1 = unchanged)" };
        var eScale = new Option<double?>("--e-scale") { Description = "Eosin amount factor (1 = unchanged)" };
        var hShift = new Option<double?>("--h-shift") { Description = "Haematoxylin OD added everywhere" };
        var eShift = new Option<double?>("--e-shift") { Description = "Eosin OD added everywhere" };
        var jitter = new Option<double?>("--jitter") { Description = "Per-image stain-amount variation: factors drawn in 1 ± this" };
        var shiftJitter = new Option<double?>("--shift-jitter") { Description = "Per-image background-stain variation: shifts moved by up to ± this OD" };
        var hVector = new Option<string?>("--h-vector") { Description = "Target lab's haematoxylin OD vector R,G,B" };
        var eVector = new Option<string?>("--e-vector") { Description = "Target lab's eosin OD vector R,G,B" };
        var blurUm = new Option<double?>("--blur-um") { Description = "Gaussian optical blur σ in µm (needs the spacing)" };
        var blurPx = new Option<double?>("--blur-px") { Description = "Gaussian optical blur σ in pixels" };
        var whiteBalance = new Option<string?>("--white-balance") { Description = "Scanner gains R,G,B on intensity (1,1,1 = unchanged)" };
        var noise = new Option<double?>("--noise") { Description = "Gaussian sensor noise, standard deviation in 8-bit levels" };
        var gamma = new Option<double?>("--gamma") { Description = "Tone curve I' = 255·(I/255)^gamma; < 1 brightens" };
        var quality = new Option<int?>("--jpeg-quality") { Description = "Re-encode at this JPEG quality (1..100)" };
        var command = new Command("shift", "Write a copy of a dataset as another lab (stain, scanner, compression) would have produced it")
        {
            data, output, where, dataSpacing, preset, seed, hScale, eScale, hShift, eShift, jitter, shiftJitter, hVector, eVector,
            blurUm, blurPx, whiteBalance, noise, gamma, quality,
        };
        command.SetAction((parse, cancellation) =>
        {
            var presetName = parse.GetValue(preset);
            var shift = presetName is null ? new LabShift() : LabShiftPresets.Get(presetName);
            // Explicit parameters override the preset's, one by one.
            shift = shift with
            {
                HaematoxylinScale = parse.GetValue(hScale) ?? shift.HaematoxylinScale,
                EosinScale = parse.GetValue(eScale) ?? shift.EosinScale,
                HaematoxylinShift = parse.GetValue(hShift) ?? shift.HaematoxylinShift,
                EosinShift = parse.GetValue(eShift) ?? shift.EosinShift,
                ScaleJitter = parse.GetValue(jitter) ?? shift.ScaleJitter,
                ShiftJitter = parse.GetValue(shiftJitter) ?? shift.ShiftJitter,
                TargetHaematoxylin = Triple(parse.GetValue(hVector), "--h-vector") ?? shift.TargetHaematoxylin,
                TargetEosin = Triple(parse.GetValue(eVector), "--e-vector") ?? shift.TargetEosin,
                BlurSigmaUm = parse.GetValue(blurUm) ?? (parse.GetValue(blurPx) is null ? shift.BlurSigmaUm : 0),
                BlurSigmaPx = parse.GetValue(blurPx) ?? (parse.GetValue(blurUm) is null ? shift.BlurSigmaPx : 0),
                WhiteBalance = Triple(parse.GetValue(whiteBalance), "--white-balance") ?? shift.WhiteBalance,
                NoiseSd = parse.GetValue(noise) ?? shift.NoiseSd,
                Gamma = parse.GetValue(gamma) ?? shift.Gamma,
                JpegQuality = parse.GetValue(quality) ?? shift.JpegQuality,
            };
            var options = new DatasetShiftOptions
            {
                Where = [.. (parse.GetValue(where) ?? []).Select(CaseFilter.Parse)],
                DataSpacingUm = parse.GetValue(dataSpacing),
                Preset = presetName?.ToLowerInvariant(),
                Shift = shift,
                Seed = parse.GetValue(seed),
            };
            var outDir = parse.GetValue(output)!;
            var record = DatasetShift.Write(parse.GetValue(data)!, outDir, options, ProgressPrinter.ToStandardError(), cancellation);
            Console.WriteLine($"shift: {record.Cases.Count} images, preset {options.Preset ?? "custom"}, seed {options.Seed}");
            Console.WriteLine($"wrote {outDir}");
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>"a,b,c" as three numbers; null when the option was not given.</summary>
    private static double[]? Triple(string? text, string option)
    {
        if (text is null) return null;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        bool ok = parts.Length == 3;
        for (int i = 0; ok && i < 3; i++)
            ok = double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]);
        return ok ? values : throw new InvalidInputException(null, $"{option} must be three comma-separated numbers R,G,B, got '{text}'");
    }
}
