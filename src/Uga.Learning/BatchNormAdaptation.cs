using TorchSharp.Modules;
using Uga.Imaging;
using static TorchSharp.torch;

namespace Uga.Learning;

/// <summary>How <see cref="BatchNormAdaptation"/> draws its unlabelled target tiles.</summary>
public sealed record AdaptationOptions
{
    /// <summary>Tile side in pixels at the model's spacing; null = the model's training patch size.</summary>
    public int? TileSize { get; init; }

    public int BatchSize { get; init; } = 8;

    /// <summary>At most this many tiles (an even, seeded sample when there are more).</summary>
    public int MaxTiles { get; init; } = 512;

    public int Seed { get; init; }

    public void Validate()
    {
        if (TileSize is < 8) throw new InvalidInputException(null, $"adaptation tile size must be at least 8 px, got {TileSize}");
        if (BatchSize < 2) throw new InvalidInputException(null, $"adaptation batch size must be at least 2 (batch statistics of one tile are its own), got {BatchSize}");
        if (MaxTiles < BatchSize) throw new InvalidInputException(null, $"adaptation needs at least one batch of tiles, got at most {MaxTiles} for batches of {BatchSize}");
    }
}

/// <summary>
/// Label-free adaptation to a target laboratory (AdaBN, Li et al. 2016; Schneider et al. arXiv 2006.16971): every
/// BatchNorm's running mean and variance are re-estimated on target tissue, weights untouched. A stain or scanner
/// shift is largely a shift of low-level feature statistics, so this removes part of it without one annotation.
/// The statistics are the cumulative average over batches (momentum 1/(b+1) for batch b), as PyTorch's
/// momentum=None does; dropout stays off. The input ensemble is not changed: a new one is returned.
/// </summary>
public static class BatchNormAdaptation
{
    public static Ensemble Adapt(Ensemble model, IReadOnlyList<RgbImage> images, AdaptationOptions options,
        IProgress<WorkProgress>? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        if (model.Manifest.Normalisation != "batch")
            throw new InvalidInputException(null, $"the model has {model.Manifest.Normalisation} normalisation; only BatchNorm statistics can be re-estimated");
        int tile = options.TileSize ?? model.Manifest.PatchSize;
        int factor = 1 << model.Manifest.Depth;
        if (tile % factor != 0) throw new InvalidInputException(null, $"adaptation tile size {tile} must be a multiple of 2^depth = {factor}");
        var tiles = Tiles(images, tile, options);
        if (tiles.Count < options.BatchSize)
            throw new InvalidInputException(null, $"only {tiles.Count} target tiles of {tile} px; adaptation needs at least {options.BatchSize}");

        var members = new List<UNet>();
        try
        {
            for (int m = 0; m < model.Members.Count; m++)
            {
                var copy = Copy(model.Members[m]);
                members.Add(copy);
                Reestimate(copy, model, tiles, options.BatchSize, cancel);
                progress?.Report(new WorkProgress("adapt", m + 1, model.Members.Count, $"member {m}: {tiles.Count} tiles"));
            }
        }
        catch
        {
            foreach (var m in members) m.Dispose();
            throw;
        }
        return new Ensemble(model.Manifest with { CreatedAt = DateTimeOffset.UtcNow }, members);
    }

    /// <summary>Non-overlapping tiles of every image (row-major), thinned evenly with a seeded offset to at most MaxTiles.</summary>
    internal static List<RgbImage> Tiles(IReadOnlyList<RgbImage> images, int tile, AdaptationOptions o)
    {
        var regions = images.SelectMany((image, i) => TileGrid.Regions(image.Width, image.Height, tile).Select(r => (Image: i, Region: r))).ToList();
        return [.. TileGrid.EvenSample(regions, o.MaxTiles, new Random(o.Seed).NextDouble()).Select(r => images[r.Image].Crop(r.Region))];
    }

    private static UNet Copy(UNet source)
    {
        var copy = new UNet(source.Options);
        using var noGrad = no_grad();
        var target = copy.state_dict();
        foreach (var (name, value) in source.state_dict()) target[name].copy_(value);
        copy.eval();
        return copy;
    }

    private static void Reestimate(UNet net, Ensemble model, List<RgbImage> tiles, int batchSize, CancellationToken cancel)
    {
        var layers = net.modules().OfType<BatchNorm2d>().ToList();
        var momenta = layers.Select(l => l.momentum).ToList();
        foreach (var layer in layers)
        {
            layer.reset_running_stats();
            layer.momentum = 1.0;
            layer.train();
        }
        int batches = tiles.Count / batchSize; // a short last batch would weigh as much as a full one
        using (BatchNormCounters.Detach(net))
        using (no_grad())
        {
            for (int b = 0; b < batches; b++)
            {
                cancel.ThrowIfCancellationRequested();
                foreach (var layer in layers) layer.momentum = 1.0 / (b + 1);
                using var scope = NewDisposeScope();
                var pixels = new byte[batchSize * tiles[0].Data.Length];
                for (int i = 0; i < batchSize; i++) tiles[(b * batchSize) + i].Data.CopyTo(pixels, i * tiles[0].Data.Length);
                using var bytes = tensor(pixels, [batchSize, tiles[0].Height, tiles[0].Width, 3]);
                net.call(model.Normalise(bytes));
            }
        }
        for (int i = 0; i < layers.Count; i++) layers[i].momentum = momenta[i];
        net.eval();
    }
}
