using Uga.Imaging;
using Uga.Learning;
using Uga.Ranking;
using Uga.Slides;

namespace Uga.Loop.Queue;

/// <summary>
/// Patch embeddings for the embedding strategies (clue, typical), computed where a slide's features are measured (a
/// cluster unit, or the ranking for slides without stored features) and stored with them: each candidate's pixels
/// read from its slide or image at the grid's spacing, resized to the model's patch size and pooled by
/// <see cref="PatchEmbedder"/>. Costs one encoder pass per candidate, so only these strategies pay it.
/// </summary>
internal static class CandidatePatches
{
    public static IReadOnlyList<Candidate> WithEmbeddings(IReadOnlyList<Candidate> pool, IReadOnlyList<PoolInput> inputs, PatchEmbedder embedder,
        RankRequest request)
    {
        // Candidates slide by slide, so the reader holds one slide open at a time; results go back to pool order.
        var order = pool.Select((c, i) => (c.SlideId, i)).GroupBy(x => x.SlideId, StringComparer.Ordinal)
            .SelectMany(g => g.Select(x => x.i)).ToArray();
        using var reader = new Reader(inputs, request, embedder.Model.Manifest.PatchSize);
        var embeddings = embedder.Compute(order.Length, i => reader.Read(pool[order[i]]), progress: request.Progress, cancel: request.Cancellation);
        var result = new Candidate[pool.Count];
        for (int i = 0; i < order.Length; i++) result[order[i]] = pool[order[i]] with { Embedding = embeddings[i] };
        return result;
    }

    /// <summary>The U-Net members the embeddings come from; an ONNX model has none to offer, and is refused naming its folder.</summary>
    public static PatchEmbedder RequireEncoder(RankRequest request, PatchEmbedder? encoder) => encoder
        ?? throw new InvalidInputException(request.ModelDir, $"strategy {request.CreateStrategy().Name} pools the U-Net's bottleneck features, which an ONNX model does not expose (use a Uga model or another strategy)");

    /// <summary>
    /// A candidate's pixels at the grid's spacing, resized to the model's patch, from its slide (opened on the first of
    /// its candidates, closed at the next slide's) or from its dataset image (read whole once).
    /// </summary>
    private sealed class Reader(IReadOnlyList<PoolInput> inputs, RankRequest request, int size) : IDisposable
    {
        private string? stem;
        private PoolInput? input;
        private Slide? slide;
        private RgbImage? image;

        public RgbImage Read(Candidate c)
        {
            if (c.SlideId != stem) Open(c.SlideId);
            if (slide is not null) return Fit(slide.ReadRegion(c.SpacingUm, c.Region));
            var region = SpacingMath.Convert(c.Region, c.SpacingUm, input!.SpacingUm).Intersect(new PixelRegion(0, 0, image!.Width, image.Height));
            return Fit(image.Crop(region));
        }

        private void Open(string id)
        {
            Dispose();
            stem = id;
            input = inputs.Single(i => i.Stem == id);
            if (input.Case is null) slide = SlideFactory.Open(input.Path, request.SlideSpacingUm);
            else image = ImageFile.ReadRgb(input.Path);
        }

        private RgbImage Fit(RgbImage patch) =>
            patch.Width == size && patch.Height == size ? patch : Resample.Rgb(patch, size, size);

        public void Dispose()
        {
            slide?.Dispose();
            (slide, image) = (null, null);
        }
    }
}
