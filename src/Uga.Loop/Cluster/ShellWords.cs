namespace Uga.Loop.Cluster;

/// <summary>Words of the shell commands the cluster scripts run.</summary>
internal static class ShellWords
{
    /// <summary>The word as sh reads it back: bare when it holds only safe characters, else single-quoted.</summary>
    public static string Quote(string text) =>
        text.All(c => char.IsAsciiLetterOrDigit(c) || "/._-:=%,+@".Contains(c)) ? text : "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// A unit's " --rank-args '…'": the reduction's ranking options, so each unit stores the candidate features the
    /// reduction reads (empty when there are none: the unit measures for rank's defaults).
    /// </summary>
    public static string RankArgs(IReadOnlyList<string> rankArgs) =>
        rankArgs.Count == 0 ? "" : " --rank-args " + Quote(string.Join(' ', rankArgs));
}
