using Microsoft.ML.OnnxRuntime;
using Uga.Imaging;
using Uga.Inference;

namespace Uga.Onnx;

/// <summary>
/// The members of an <see cref="OnnxEnsemble"/> as an <see cref="IProbabilitySource"/>: RGB tiles are standardised
/// into one float32 N×3×P×P input shared by every member, each member's N×C×P×P output is placed at its sample
/// index, and logits get a softmax over classes here (in float32, per pixel).
/// </summary>
internal sealed class OnnxSource : IProbabilitySource
{
    private readonly IReadOnlyList<InferenceSession> sessions;
    private readonly string[] inputNames;
    private readonly ModelManifest manifest;
    private readonly float[][] lookup;   // per channel: byte value → standardised input

    public OnnxSource(IReadOnlyList<InferenceSession> sessions, string[] inputNames, ModelManifest manifest)
    {
        this.sessions = sessions;
        this.inputNames = inputNames;
        this.manifest = manifest;
        lookup = Lookup(manifest);
    }

    /// <summary>Per channel: byte value → standardised input (RGB / 255, minus the manifest's mean, over its std).</summary>
    internal static float[][] Lookup(ModelManifest manifest) => [.. Enumerable.Range(0, 3).Select(c =>
        Enumerable.Range(0, 256).Select(v => (v / 255f - manifest.InputMean[c]) / manifest.InputStd[c]).ToArray())];

    public string Name => "ensemble";
    public int SampleCount => sessions.Count;

    public float[] Sample(ReadOnlySpan<byte> tiles, int count, int patchSize)
    {
        int plane = patchSize * patchSize;
        if (tiles.Length != count * plane * 3)
            throw new ArgumentException($"{tiles.Length} bytes are not {count} tiles of {patchSize}x{patchSize}x3", nameof(tiles));
        var input = Standardise(tiles, count, plane, lookup);
        int classes = manifest.ClassCount, samples = sessions.Count;
        long perTile = (long)classes * plane;
        var result = new float[count * samples * perTile];
        using var value = OrtValue.CreateTensorValueFromMemory(input, [count, 3, patchSize, patchSize]);
        using var run = new RunOptions();
        for (int s = 0; s < samples; s++)
        {
            using var outputs = sessions[s].Run(run, [inputNames[s]], [value], [sessions[s].OutputNames[0]]);
            var data = outputs[0].GetTensorDataAsSpan<float>();
            if (data.Length != count * perTile)
                throw new InvalidInputException(manifest.MemberFiles[s],
                    $"output has {data.Length} values for {count} tiles, expected {count}×{classes} classes×{patchSize}² (classNames or patchSize in the manifest is wrong)");
            for (int n = 0; n < count; n++)
            {
                var target = result.AsSpan((int)(((long)n * samples + s) * perTile), (int)perTile);
                data.Slice((int)(n * perTile), (int)perTile).CopyTo(target);
                if (manifest.Output == "logits") Softmax(target, classes, plane);
            }
        }
        return result;
    }

    /// <summary>RGB tiles (N×P×P×3 bytes) as the standardised float32 N×3×P×P input every member takes.</summary>
    internal static float[] Standardise(ReadOnlySpan<byte> tiles, int count, int plane, float[][] lookup)
    {
        var input = new float[(long)count * 3 * plane];
        for (int n = 0; n < count; n++)
        {
            var pixels = tiles.Slice(n * plane * 3, plane * 3);
            for (int c = 0; c < 3; c++)
            {
                var table = lookup[c];
                var target = input.AsSpan((n * 3 + c) * plane, plane);
                for (int i = 0; i < plane; i++) target[i] = table[pixels[i * 3 + c]];
            }
        }
        return input;
    }

    /// <summary>Softmax over the class planes of one tile, in place; the max is subtracted so large logits do not overflow.</summary>
    internal static void Softmax(Span<float> tile, int classes, int plane)
    {
        for (int i = 0; i < plane; i++)
        {
            float max = float.NegativeInfinity;
            for (int c = 0; c < classes; c++) max = MathF.Max(max, tile[c * plane + i]);
            float sum = 0;
            for (int c = 0; c < classes; c++)
            {
                float e = MathF.Exp(tile[c * plane + i] - max);
                tile[c * plane + i] = e;
                sum += e;
            }
            float inverse = 1 / sum;
            for (int c = 0; c < classes; c++) tile[c * plane + i] *= inverse;
        }
    }
}
