using Microsoft.ML.OnnxRuntime;
using Uga.Inference;

namespace Uga.Onnx;

/// <summary>The value range an activation took on calibration tiles.</summary>
public readonly record struct ActivationRange(float Min, float Max);

/// <summary>
/// Runs a calibration graph (one whose extra outputs expose the activations to be quantised) over RGB tiles and
/// returns each output's minimum and maximum — the ranges a static int8 quantisation maps to 0..255.
/// </summary>
public static class OnnxCalibration
{
    /// <param name="model">The serialised calibration graph.</param>
    /// <param name="tiles">RGB tiles, N×P×P×3 bytes, P the manifest's patch size.</param>
    /// <param name="prefix">Only outputs whose name starts with it are measured.</param>
    public static Dictionary<string, ActivationRange> Ranges(byte[] model, ModelManifest manifest, byte[] tiles, int count, string prefix, int batch = 4)
    {
        int patch = manifest.PatchSize, plane = patch * patch;
        if (count < 1 || tiles.Length != count * plane * 3) throw new ArgumentException($"{tiles.Length} bytes are not {count} tiles of {patch}²×3", nameof(tiles));
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        var names = session.OutputNames.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToArray();
        var lookup = OnnxSource.Lookup(manifest);
        var ranges = names.ToDictionary(n => n, _ => new ActivationRange(float.PositiveInfinity, float.NegativeInfinity), StringComparer.Ordinal);
        using var run = new RunOptions();
        for (int first = 0; first < count; first += batch)
        {
            int n = Math.Min(batch, count - first);
            var input = OnnxSource.Standardise(tiles.AsSpan(first * plane * 3, n * plane * 3), n, plane, lookup);
            using var value = OrtValue.CreateTensorValueFromMemory(input, [n, 3, patch, patch]);
            using var outputs = session.Run(run, [session.InputNames[0]], [value], names);
            for (int i = 0; i < names.Length; i++)
            {
                var (min, max) = (ranges[names[i]].Min, ranges[names[i]].Max);
                foreach (var v in outputs[i].GetTensorDataAsSpan<float>())
                {
                    min = Math.Min(min, v);
                    max = Math.Max(max, v);
                }
                ranges[names[i]] = new ActivationRange(min, max);
            }
        }
        return ranges;
    }
}
