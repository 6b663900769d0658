using Microsoft.ML.OnnxRuntime;
using Uga.Inference;

namespace Uga.Onnx;

/// <summary>
/// Feature networks (one per ensemble member, each N×3×H×W in, N×D out) run by ONNX Runtime with the prediction
/// sessions' options, and their outputs averaged over the members: the patch embeddings of the embedding strategies.
/// Input is standardised as for prediction, from the manifest's inputMean/inputStd.
/// </summary>
public sealed class OnnxFeatures : IDisposable
{
    private readonly List<InferenceSession> sessions;
    private readonly float[][] lookup;

    private OnnxFeatures(List<InferenceSession> sessions, float[][] lookup)
    {
        this.sessions = sessions;
        this.lookup = lookup;
    }

    /// <summary>Opens every network (serialised ONNX models); all or nothing.</summary>
    /// <param name="threads">Intra-op threads; null: <see cref="OnnxEnsemble.DefaultThreads"/>.</param>
    public static OnnxFeatures FromBytes(ModelManifest manifest, IReadOnlyList<byte[]> networks, int? threads = null)
    {
        if (networks.Count == 0) throw new ArgumentException("need at least one network", nameof(networks));
        using var options = OnnxEnsemble.Options(threads ?? OnnxEnsemble.DefaultThreads);
        var sessions = new List<InferenceSession>();
        try
        {
            foreach (var bytes in networks) sessions.Add(new InferenceSession(bytes, options));
            return new OnnxFeatures(sessions, OnnxSource.Lookup(manifest));
        }
        catch
        {
            foreach (var s in sessions) s.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The members' mean feature vector of each of <paramref name="count"/> RGB images (N×H×W×3 bytes), row by row:
    /// count × D values.
    /// </summary>
    public float[] Mean(ReadOnlySpan<byte> images, int count, int height, int width)
    {
        int plane = height * width;
        if (count < 1 || images.Length != (long)count * plane * 3)
            throw new ArgumentException($"{images.Length} bytes are not {count} images of {width}x{height}x3", nameof(images));
        var input = OnnxSource.Standardise(images, count, plane, lookup);
        using var value = OrtValue.CreateTensorValueFromMemory(input, [count, 3, height, width]);
        using var run = new RunOptions();
        float[]? sum = null;
        foreach (var session in sessions)
        {
            using var outputs = session.Run(run, [session.InputNames[0]], [value], [session.OutputNames[0]]);
            var data = outputs[0].GetTensorDataAsSpan<float>();
            sum ??= new float[data.Length];
            if (data.Length != sum.Length) throw new InvalidOperationException($"members disagree on the feature size: {data.Length} vs {sum.Length} values");
            for (int i = 0; i < data.Length; i++) sum[i] += data[i];
        }
        for (int i = 0; i < sum!.Length; i++) sum[i] /= sessions.Count;
        return sum;
    }

    public void Dispose()
    {
        foreach (var s in sessions) s.Dispose();
    }
}
