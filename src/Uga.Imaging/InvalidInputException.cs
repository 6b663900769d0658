using System.Text;

namespace Uga.Imaging;

/// <summary>
/// Bad input from the user: a missing, corrupt or inconsistent file, or an absurd parameter. The message is one
/// line that names the file (when there is one) and the problem; the CLI prints it and exits non-zero.
/// Every library in Uga throws this for input problems, never for its own bugs.
/// </summary>
public class InvalidInputException : Exception
{
    public InvalidInputException(string? path, string problem, Exception? inner = null)
        : base(OneLine(path is null ? problem : $"{path}: {problem}"), inner)
    {
        Path = path;
        Problem = problem;
    }

    public string? Path { get; }
    public string Problem { get; }

    /// <summary>
    /// Problems quote what they found in the file, and a file can hold anything: control characters (a newline in a
    /// class name, an escape sequence) are shown escaped so the message stays one line that cannot repaint a terminal.
    /// </summary>
    public static string OneLine(string text)
    {
        if (!text.Any(char.IsControl)) return text;
        var line = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            if (!char.IsControl(c)) line.Append(c);
            else line.Append(c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ => $"\\u{(int)c:x4}" });
        }
        return line.ToString();
    }
}
