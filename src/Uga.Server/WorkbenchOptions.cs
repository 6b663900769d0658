using System.Net;
using System.Security.Cryptography;
using Uga.Imaging;

namespace Uga.Server;

/// <summary>How `uga serve` runs: the workspace, where it listens, who may ask, and what a request may weigh.</summary>
public sealed record WorkbenchOptions
{
    public required string Workspace { get; init; }
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 8080;

    /// <summary>Required on every request when set (header "Authorization: Bearer", ?token= once, then a cookie).</summary>
    public string? Token { get; init; }

    /// <summary>How to start `uga` for background jobs (torch state is process-wide, so fine-tuning is its own process).</summary>
    public required UgaCommand Uga { get; init; }

    /// <summary>Largest request body (a candidate's annotations).</summary>
    public long MaxBodyBytes { get; init; } = 4 << 20;

    /// <summary>Most vertices one save may carry (a hand-drawn candidate has hundreds to a few thousand).</summary>
    public int MaxVertices { get; init; } = 200_000;

    /// <summary>Memory kept for encoded tiles (slide and overlay).</summary>
    public long TileCacheBytes { get; init; } = 256L << 20;

    /// <summary>Fine-tuning steps of a background job that does not name them; null: the recipe's.</summary>
    public int? FineTuneSteps { get; init; }

    /// <summary>Torch threads of background jobs.</summary>
    public int JobThreads { get; init; } = 1;

    public bool IsLoopback => Host == "localhost" || (IPAddress.TryParse(Host, out var a) && IPAddress.IsLoopback(a));

    /// <summary>
    /// Checks the options; binding beyond loopback without a token gets a generated one (the caller prints it once),
    /// because anyone on the network could otherwise read slides and write annotations.
    /// </summary>
    public WorkbenchOptions Resolve()
    {
        if (Port is < 0 or > 65535) throw new InvalidInputException(null, $"--port {Port} is not a TCP port (0..65535)");
        if (Host != "localhost" && !IPAddress.TryParse(Host, out _)) throw new InvalidInputException(null, $"--host '{Host}' is not an IP address (or localhost)");
        if (Token is { Length: < 16 }) throw new InvalidInputException(null, "--token must have at least 16 characters");
        if (Token is null && !IsLoopback) return this with { Token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20)) };
        return this;
    }
}

/// <summary>A program and the arguments that come before a `uga` command's own (e.g. dotnet + uga.dll).</summary>
public sealed record UgaCommand(string FileName, IReadOnlyList<string> Prefix)
{
    /// <summary>The running `uga` itself: its apphost, or dotnet with its entry assembly.</summary>
    public static UgaCommand CurrentProcess()
    {
        var process = Environment.ProcessPath ?? "dotnet";
        bool viaDotnet = Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        var entry = System.Reflection.Assembly.GetEntryAssembly()?.Location;
        return viaDotnet && entry is not null ? new UgaCommand(process, [entry]) : new UgaCommand(process, []);
    }

    /// <summary>`uga` next to <paramref name="directory"/>'s uga.dll, started through dotnet.</summary>
    public static UgaCommand Dll(string directory) => new("dotnet", [Path.Combine(directory, "uga.dll")]);
}
