using Uga.Imaging;
using Uga.Inference.Uncertainty;

namespace Uga.Inference;

/// <summary>How to run tiled prediction. Every length is in pixels at the model's spacing.</summary>
public record PredictOptions
{
    /// <summary>Overlap of neighbouring patches; null = half the patch, as in the paper.</summary>
    public int? Overlap { get; init; }

    /// <summary>Patches per forward pass (the same for images and slides).</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Registered name of the uncertainty measure (see <see cref="UncertaintyMeasures.Names"/>).</summary>
    public string Uncertainty { get; init; } = UncertaintyMeasures.Default;

    public SampleSourceKind Samples { get; init; } = SampleSourceKind.Ensemble;

    /// <summary>Stochastic passes for <see cref="SampleSourceKind.McDropout"/>.</summary>
    public int McDropoutPasses { get; init; } = 8;

    /// <summary>
    /// Seed of torch's global generator for the dropout masks of <see cref="SampleSourceKind.McDropout"/>, so a run
    /// can be repeated exactly; null leaves the generator alone. Other sources are deterministic anyway.
    /// </summary>
    public long? Seed { get; init; } = 1;

    /// <summary>
    /// Run the ensemble as a <see cref="CascadeSource"/>: every member beyond the first only on tiles whose
    /// first-pass mean normalised entropy exceeds this (0..1); null = every member on every tile.
    /// </summary>
    public double? CascadeThreshold { get; init; }

    /// <summary>
    /// The ensemble samples are computed in bfloat16 (`--precision bf16`); only names them, so an artifact made so is
    /// never reused for a float32 request. MC-dropout and TTA always run in float32.
    /// </summary>
    public bool Bf16 { get; init; }

    /// <summary>What the samples are called in artifacts and their keys: a cascade is not the plain ensemble, bf16 not fp32.</summary>
    public string SourceName => (CascadeThreshold is { } t ? CascadeSource.NameFor(t) : SampleSources.NameOf(Samples))
        + (Bf16 && Samples == SampleSourceKind.Ensemble ? Bf16Suffix : "");

    /// <summary>Appended to the name of samples computed in bfloat16.</summary>
    public const string Bf16Suffix = "-bf16";

    /// <summary>Keep the per-sample probabilities in the result (memory: S·C floats per pixel).</summary>
    public bool KeepSamples { get; init; }

    public IProgress<WorkProgress>? Progress { get; init; }
    public CancellationToken Cancellation { get; init; }

    /// <summary>The overlap actually used for <paramref name="patchSize"/>; absurd values are bad input.</summary>
    public int OverlapFor(int patchSize)
    {
        int overlap = Overlap ?? patchSize / 2;
        if (overlap < 0 || overlap >= patchSize)
            throw new InvalidInputException(null, $"overlap must be 0..{patchSize - 1} px for the model's {patchSize} px patch, got {overlap}");
        return overlap;
    }

    /// <summary>Checks every parameter that does not depend on the model.</summary>
    public virtual void Validate()
    {
        if (BatchSize < 1) throw new InvalidInputException(null, $"batch size must be >= 1, got {BatchSize}");
        if (McDropoutPasses < 2) throw new InvalidInputException(null, $"MC-dropout needs >= 2 passes, got {McDropoutPasses}");
        if (Overlap < 0) throw new InvalidInputException(null, $"overlap must not be negative, got {Overlap}");
        if (CascadeThreshold is { } t && (!(t >= 0 && t <= 1) || Samples != SampleSourceKind.Ensemble))
            throw new InvalidInputException(null, $"--cascade needs a threshold in [0, 1] and --samples ensemble, got {t} with {SampleSources.NameOf(Samples)}");
        UncertaintyMeasures.Get(Uncertainty);
    }
}

/// <summary>
/// Prediction for one image, on the input image's own pixel grid (what a pathologist overlays on the image).
/// </summary>
public sealed record PredictionResult
{
    /// <summary>Most probable class of the mean prediction per pixel.</summary>
    public required LabelMap Labels { get; init; }

    /// <summary>Mean probability over samples, one map per class.</summary>
    public required IReadOnlyList<FloatMap> Probabilities { get; init; }

    /// <summary>The <see cref="UncertaintyMeasure"/> per pixel.</summary>
    public required FloatMap Uncertainty { get; init; }

    public required string UncertaintyMeasure { get; init; }
    public required string SampleSource { get; init; }
    public required int SampleCount { get; init; }

    /// <summary>Per-sample probabilities, when <see cref="PredictOptions.KeepSamples"/> was set.</summary>
    public SampleProbabilities? Samples { get; init; }

    /// <summary>µm/px of every map in this result (the input image's spacing).</summary>
    public required double SpacingUm { get; init; }

    /// <summary>µm/px at which the model ran.</summary>
    public required double ModelSpacingUm { get; init; }

    /// <summary>Patch forwards through a network (patches × samples).</summary>
    public long Forwards { get; init; }
}
