using Uga.Imaging;
using Uga.Inference;
using Uga.Inference.Artifacts;
using Uga.Inference.Uncertainty;
using Uga.Slides.Writing;

namespace Uga.Inference;

/// <summary>
/// How to run an ensemble over a whole slide: everything of <see cref="PredictOptions"/> (measure, samples, overlap,
/// batch, seed, progress — one definition, one default) plus what only a slide needs.
/// </summary>
public sealed record SlidePredictionOptions : PredictOptions
{
    /// <summary>
    /// Side of the square blocks the slide is processed in, in pixels at the model's spacing (a multiple of the
    /// output tile size). Memory grows with width × block size, never with the slide's area; larger blocks
    /// recompute fewer patches on block borders.
    /// </summary>
    public int BlockSize { get; init; } = 1024;

    /// <summary>Patches with less tissue than this (fraction of the patch) are not run through the networks.</summary>
    public double MinTissueFraction { get; init; } = 0.01;

    /// <summary>Tile size of the written TIFF maps.</summary>
    public int TileSize { get; init; } = 256;

    /// <summary>Longest side of the in-memory previews returned with the result.</summary>
    public int PreviewSize { get; init; } = 1024;

    /// <summary>Where to store the full-precision prediction artifact, and what it is a prediction of; null = none.</summary>
    public ArtifactTarget? Artifact { get; init; }

    public override void Validate()
    {
        base.Validate();
        if (TileSize < 16 || TileSize % 16 != 0) throw new InvalidInputException(null, $"tile size must be a multiple of 16, got {TileSize}");
        if (BlockSize < TileSize || BlockSize % TileSize != 0)
            throw new InvalidInputException(null, $"block size must be a positive multiple of the tile size {TileSize}, got {BlockSize}");
        if (MinTissueFraction is < 0 or > 1 || double.IsNaN(MinTissueFraction))
            throw new InvalidInputException(null, $"minimum tissue fraction must be between 0 and 1, got {MinTissueFraction}");
        if (PreviewSize < 16) throw new InvalidInputException(null, $"preview size must be at least 16 px, got {PreviewSize}");
    }
}

/// <summary>What a slide prediction wrote and measured.</summary>
public sealed record SlidePredictionResult
{
    public required string LabelsPath { get; init; }
    public required string UncertaintyPath { get; init; }

    /// <summary>Size of the maps: the slide at the model's spacing.</summary>
    public required int Width { get; init; }
    public required int Height { get; init; }
    public required double SpacingUm { get; init; }
    public required IReadOnlyList<string> ClassNames { get; init; }
    public required string UncertaintyMeasure { get; init; }

    /// <summary>How the 8-bit uncertainty TIFF maps back to the measure's units (0 = no uncertainty or no tissue).</summary>
    public required Gray8Scale UncertaintyScale { get; init; }

    public required long PatchesPredicted { get; init; }
    public required long PatchesSkipped { get; init; }

    /// <summary>Patch forwards through a network (patches × samples).</summary>
    public required long Forwards { get; init; }

    /// <summary>The prediction artifact written, when one was asked for.</summary>
    public string? ArtifactPath { get; init; }

    /// <summary>Pixels per class over the whole map.</summary>
    public required long[] ClassPixels { get; init; }

    public required TimeSpan Elapsed { get; init; }

    /// <summary>Labels and uncertainty at <see cref="PreviewSpacingUm"/>, for thumbnails and reports.</summary>
    public required LabelMap PreviewLabels { get; init; }
    public required FloatMap PreviewUncertainty { get; init; }
    public required double PreviewSpacingUm { get; init; }
}

/// <summary>An artifact to write: its folder and the key it will be found by.</summary>
public sealed record ArtifactTarget(string Path, PredictionKey Key);
