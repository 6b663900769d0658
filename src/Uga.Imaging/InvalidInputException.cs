namespace Uga.Imaging;

/// <summary>
/// Bad input from the user: a missing, corrupt or inconsistent file, or an absurd parameter. The message is one
/// line that names the file (when there is one) and the problem; the CLI prints it and exits non-zero.
/// Every library in Uga throws this for input problems, never for its own bugs.
/// </summary>
public class InvalidInputException : Exception
{
    public InvalidInputException(string? path, string problem, Exception? inner = null)
        : base(path is null ? problem : $"{path}: {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    public string? Path { get; }
    public string Problem { get; }
}
