namespace Uga.Imaging;

/// <summary>
/// Progress of a long job, reported by libraries through <see cref="IProgress{T}"/>; the CLI turns it into
/// a line with rate and ETA. <paramref name="Detail"/> carries stage-specific numbers (e.g. the loss).
/// </summary>
public readonly record struct WorkProgress(string Stage, long Done, long Total, string? Detail = null);
