namespace Uga.Inference;

/// <summary>
/// Weight of each pixel of a square patch when overlapping patch outputs are blended: a separable Hann
/// (sin²) window, largest in the centre where the network saw the most context, small at the borders where
/// padding artefacts live. With a stride of half the patch, sin² + cos² = 1 makes the overlapping windows sum to
/// exactly one; for other strides the accumulated weight is divided out anyway. The floor keeps every weight
/// positive so a pixel covered by a single patch border still gets a (normalised) value.
/// </summary>
public sealed class BlendWindow
{
    public const float Floor = 1e-4f;

    public BlendWindow(int patchSize)
    {
        if (patchSize < 1) throw new ArgumentOutOfRangeException(nameof(patchSize), "patch size must be positive");
        PatchSize = patchSize;
        var profile = new float[patchSize];
        for (int i = 0; i < patchSize; i++)
        {
            double s = Math.Sin(Math.PI * (i + 0.5) / patchSize);
            profile[i] = (float)Math.Max(s * s, Floor);
        }
        Weights = new float[patchSize * patchSize];
        for (int y = 0; y < patchSize; y++)
            for (int x = 0; x < patchSize; x++)
                Weights[(y * patchSize) + x] = profile[y] * profile[x];
    }

    public int PatchSize { get; }

    /// <summary>Row-major P×P weights.</summary>
    public float[] Weights { get; }
}
