using Uga.Imaging;

namespace Uga.Phantom;

/// <summary>The two simulated laboratories: A stands for the training centre, B for the deployment centre.</summary>
public enum PhantomCentre
{
    A,
    B,
}

/// <summary>
/// What a phantom slide looks like. Geometry (and therefore the label map) depends only on
/// <see cref="Width"/>, <see cref="Height"/>, <see cref="SpacingUm"/> and <see cref="Seed"/>; the centre changes
/// only how the same tissue is stained and scanned, so the same seed at A and B gives identical masks.
/// </summary>
public sealed record PhantomSpec(int Width, int Height)
{
    /// <summary>Class indices of the label map.</summary>
    public const byte Background = 0, Benign = 1, Tumour = 2;

    public ulong Seed { get; init; } = 1;

    public PhantomCentre Centre { get; init; } = PhantomCentre.A;

    /// <summary>Micrometres per pixel of the rendered level (0.5 ≈ 20x).</summary>
    public double SpacingUm { get; init; } = 0.5;

    /// <summary>
    /// Renders part of the tumour as a clear-cell subtype (pale cytoplasm, fewer rounder nuclei) that a model
    /// trained on the plain tumour has never seen. Meant for centre B only; the label stays "tumour".
    /// </summary>
    public bool ClearCellSubtype { get; init; }

    /// <summary>
    /// Added to the tissue field before its threshold (0 = the phantom's own layout, about half glass; 0.3 = tissue
    /// nearly everywhere but at the slide's border). A virtual slide uses it so that its islands are solid tissue and
    /// the share of tissue is the one asked for.
    /// </summary>
    public double TissueBias { get; init; }

    /// <summary>Throws <see cref="InvalidInputException"/> for sizes or spacings no slide can have.</summary>
    public void Validate()
    {
        if (Width < 16 || Height < 16)
            throw new InvalidInputException(null, $"phantom size must be at least 16x16 pixels, got {Width}x{Height}");
        if ((long)Width * Height > 1L << 34)
            throw new InvalidInputException(null, $"phantom size {Width}x{Height} is larger than 16 gigapixels");
        if (!double.IsFinite(SpacingUm) || SpacingUm < 0.1 || SpacingUm > 16)
            throw new InvalidInputException(null, $"phantom spacing must be between 0.1 and 16 µm/px, got {SpacingUm}");
        if (TissueBias is < -0.5 or > 0.5 || double.IsNaN(TissueBias))
            throw new InvalidInputException(null, $"phantom tissue bias must be between -0.5 and 0.5, got {TissueBias}");
    }
}

/// <summary>
/// How one centre stains and scans: its stain model (haematoxylin, eosin and the tint of its glass as three
/// optical-density vectors), stain strengths, glass absorbance, optical blur (µm) and sensor noise (grey levels).
/// </summary>
public sealed record CentreStyle(
    StainModel Stains,
    double HaematoxylinStrength,
    double EosinStrength,
    double GlassOd,
    double BlurUm,
    double NoiseLevels)
{
    /// <summary>
    /// Centre A uses Ruifrok &amp; Johnston's haematoxylin vector with a slightly redder eosin (pink rather than
    /// magenta stroma) and a sharp, clean scanner. Centre B's haematoxylin is bluer and stronger, its eosin
    /// more orange and weaker, its glass yellowish, its scanner softer and noisier: the same biology looks
    /// different, as between real laboratories.
    /// </summary>
    public static CentreStyle For(PhantomCentre centre) => centre switch
    {
        PhantomCentre.A => new CentreStyle(
            new StainModel([0.650, 0.704, 0.286], [0.100, 0.900, 0.420], [0.35, 0.35, 0.40]),
            HaematoxylinStrength: 1.0, EosinStrength: 1.0, GlassOd: 0.064, BlurUm: 0.35, NoiseLevels: 2.0),
        PhantomCentre.B => new CentreStyle(
            new StainModel([0.740, 0.640, 0.200], [0.030, 0.760, 0.650], [0.27, 0.45, 0.85]),
            HaematoxylinStrength: 1.3, EosinStrength: 0.95, GlassOd: 0.112, BlurUm: 0.9, NoiseLevels: 5.0),
        _ => throw new ArgumentOutOfRangeException(nameof(centre), centre, "unknown centre"),
    };
}
