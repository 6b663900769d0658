using Uga.Imaging;
using Uga.Learning;
using Uga.Ranking;
using Uga.Slides;

namespace Uga.Loop.Queue;

/// <summary>
/// Patch embeddings for the embedding strategies (clue, typical), computed where a slide's features are measured (a
/// cluster unit, or the ranking for slides without stored features) and stored with them: each candidate's pixels
/// read from its slide or image at the grid's spacing, resized to the model's patch size and pooled by
/// <see cref="PatchEmbeddings"/>. Costs one encoder pass per candidate, so only these strategies pay it.
/// </summary>
internal static class CandidatePatches
{
    public static IReadOnlyList<Candidate> WithEmbeddings(IReadOnlyList<Candidate> pool, IReadOnlyList<PoolInput> inputs, Ensemble ensemble,
        RankRequest request)
    {
        int size = ensemble.Manifest.PatchSize;
        var patches = new Dictionary<(string, PixelRegion), RgbImage>();
        foreach (var group in pool.GroupBy(c => c.SlideId, StringComparer.Ordinal))
        {
            var input = inputs.Single(i => i.Stem == group.Key);
            if (input.Case is null)
            {
                using var slide = SlideFactory.Open(input.Path, request.SlideSpacingUm);
                foreach (var c in group) patches[c.Key] = Fit(slide.ReadRegion(c.SpacingUm, c.Region), size);
                continue;
            }
            var image = ImageFile.ReadRgb(input.Path);
            foreach (var c in group)
            {
                var region = SpacingMath.Convert(c.Region, c.SpacingUm, input.SpacingUm).Intersect(new PixelRegion(0, 0, image.Width, image.Height));
                patches[c.Key] = Fit(image.Crop(region), size);
            }
        }
        var embeddings = PatchEmbeddings.Compute(ensemble, [.. pool.Select(c => patches[c.Key])], cancel: request.Cancellation);
        return [.. pool.Select((c, i) => c with { Embedding = embeddings[i] })];
    }

    /// <summary>The U-Net members the embeddings come from; an ONNX model has none to offer, and is refused naming its folder.</summary>
    public static Ensemble RequireEncoder(RankRequest request, Ensemble? encoder) => encoder
        ?? throw new InvalidInputException(request.ModelDir, $"strategy {request.CreateStrategy().Name} pools the U-Net's bottleneck features, which an ONNX model does not expose (use a Uga model or another strategy)");

    private static RgbImage Fit(RgbImage patch, int size) =>
        patch.Width == size && patch.Height == size ? patch : Resample.Rgb(patch, size, size);
}
