using Tessera.Graphs;

namespace Tessera.Cli.Commands;

/// <summary>
/// A user's model is untrusted input: whatever importing or compiling it trips over (a malformed graph can break
/// an invariant anywhere in the compiler) is that model's fault, so it becomes one error line naming the file.
/// </summary>
internal static class UserModel
{
    public static T Guard<T>(string path, Func<T> body)
    {
        try { return body(); }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or IndexOutOfRangeException or InvalidCastException
                                      or NullReferenceException or OverflowException or DivideByZeroException)
        {
            var message = e.Message.ReplaceLineEndings(" ");
            throw new OnnxFormatException(e is ShapeInferenceException ? message : $"{Path.GetFileName(path)} cannot be compiled: {message}");
        }
    }
}
