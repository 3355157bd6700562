using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DmaDiscipline.Integration.Tests.Infrastructure;

/// <summary>One diagnostic as an editor receives it over LSP (line is 1-based).</summary>
public sealed record EditorDiagnostic(string Code, int Line, int Column, string Message);

/// <summary>
/// An editor's side of a language server session over stdio (LSP's Content-Length framing): initialize,
/// open documents, pull their diagnostics (LSP 3.17 <c>textDocument/diagnostic</c>).
/// Requests the server sends (its configuration) are answered with <see cref="Settings"/>; a request
/// without an answer within its timeout fails with what the server wrote to stderr.
/// </summary>
public sealed class LanguageServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode?>> _pending = new();
    private readonly StringBuilder _stderr = new();
    private readonly SemaphoreSlim _write = new(1, 1);
    private readonly Task _reader;
    private int _nextId;

    private LanguageServer(Process process, JsonObject settings)
    {
        _process = process;
        Settings = settings;
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();
        _reader = Task.Run(ReadAsync);
    }

    /// <summary>The client's settings, by section (<c>{"csharp": {...}}</c>).</summary>
    public JsonObject Settings { get; }

    /// <summary>Starts the server executable in <paramref name="workingDirectory"/> (where it looks for the project).</summary>
    public static LanguageServer Start(string executable, string workingDirectory, IReadOnlyDictionary<string, string> environment, JsonObject settings)
    {
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // As from a user's shell: none of the test host's MSBuild paths.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start");
        return new LanguageServer(process, settings);
    }

    /// <summary>The server's stderr so far, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public async Task InitializeAsync(string rootDirectory, TimeSpan timeout)
    {
        await RequestAsync("initialize", new JsonObject
        {
            ["processId"] = Environment.ProcessId,
            ["rootUri"] = Uri(rootDirectory),
            ["capabilities"] = new JsonObject
            {
                ["textDocument"] = new JsonObject { ["publishDiagnostics"] = new JsonObject(), ["diagnostic"] = new JsonObject() },
                ["workspace"] = new JsonObject { ["configuration"] = true },
            },
            ["initializationOptions"] = Settings.DeepClone(),
        }, timeout);
        await NotifyAsync("initialized", new JsonObject());
        await NotifyAsync("workspace/didChangeConfiguration", new JsonObject { ["settings"] = Settings.DeepClone() });
    }

    public Task OpenAsync(string path) => NotifyAsync("textDocument/didOpen", new JsonObject
    {
        ["textDocument"] = new JsonObject
        {
            ["uri"] = Uri(path),
            ["languageId"] = "csharp",
            ["version"] = 1,
            ["text"] = File.ReadAllText(path),
        },
    });

    /// <summary>The document's diagnostics as the server has them now.</summary>
    public async Task<IReadOnlyList<EditorDiagnostic>> DiagnosticsAsync(string path, TimeSpan timeout)
    {
        var result = await RequestAsync("textDocument/diagnostic", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = Uri(path) } }, timeout);
        return (result?["items"]?.AsArray() ?? new JsonArray()).Select(item => new EditorDiagnostic(
                item!["code"]?.ToString() ?? string.Empty,
                (int)item["range"]!["start"]!["line"]! + 1,
                (int)item["range"]!["start"]!["character"]! + 1,
                item["message"]?.ToString() ?? string.Empty))
            .ToList();
    }

    /// <summary>
    /// Pulls the document's diagnostics until <paramref name="ready"/> holds (a server loads the project and its
    /// analyzers in the background, and answers with what it has meanwhile) or <paramref name="timeout"/> passes.
    /// </summary>
    public async Task<IReadOnlyList<EditorDiagnostic>> DiagnosticsWhenAsync(string path, Func<IReadOnlyList<EditorDiagnostic>, bool> ready, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        IReadOnlyList<EditorDiagnostic> last = [];
        while (deadline.Elapsed < timeout)
        {
            last = await DiagnosticsAsync(path, timeout - deadline.Elapsed);
            if (ready(last))
            {
                return last;
            }

            await Task.Delay(TimeSpan.FromSeconds(3));
        }

        throw new TimeoutException(
            $"the diagnostics of {path} were not ready in {timeout}; last: [{string.Join(", ", last)}]\nserver log:\n{Log}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RequestAsync("shutdown", null, TimeSpan.FromSeconds(10));
            await NotifyAsync("exit", null);
            if (!_process.WaitForExit(5000))
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception ex) when (ex is TimeoutException or IOException or InvalidOperationException)
        {
            _process.Kill(entireProcessTree: true);
        }

        await Task.WhenAny(_reader, Task.Delay(5000));
        _process.Dispose();
    }

    private static string Uri(string path) => new Uri(Path.GetFullPath(path)).AbsoluteUri;

    private async Task<JsonNode?> RequestAsync(string method, JsonNode? parameters, TimeSpan timeout)
    {
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters });
        var done = await Task.WhenAny(answer.Task, Task.Delay(timeout));
        _pending.TryRemove(id, out _);
        if (done != answer.Task)
        {
            throw new TimeoutException($"{method} got no answer in {timeout}\nserver log:\n{Log}");
        }

        return await answer.Task;
    }

    private Task NotifyAsync(string method, JsonNode? parameters) =>
        SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = parameters });

    private async Task SendAsync(JsonObject message)
    {
        var body = Encoding.UTF8.GetBytes(message.ToJsonString());
        var header = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
        await _write.WaitAsync();
        try
        {
            var stdin = _process.StandardInput.BaseStream;
            await stdin.WriteAsync(header);
            await stdin.WriteAsync(body);
            await stdin.FlushAsync();
        }
        finally
        {
            _write.Release();
        }
    }

    private async Task ReadAsync()
    {
        var stdout = _process.StandardOutput.BaseStream;
        try
        {
            while (await ReadMessageAsync(stdout) is { } message)
            {
                if (message["method"] is { } method && message["id"] is { } id)
                {
                    // A request of the server's: its configuration by section; anything else has no answer to give.
                    JsonNode? result = method.ToString() == "workspace/configuration"
                        ? new JsonArray((message["params"]?["items"]?.AsArray() ?? new JsonArray())
                            .Select(item => item?["section"]?.ToString() is { } section ? Settings[section]?.DeepClone() : Settings.DeepClone())
                            .ToArray())
                        : null;
                    await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id.DeepClone(), ["result"] = result });
                }
                else if (message["id"] is { } answered && _pending.TryGetValue((int)answered, out var pending))
                {
                    if (message["error"] is { } error)
                    {
                        pending.TrySetException(new InvalidOperationException($"the server answered with an error: {error.ToJsonString()}"));
                    }
                    else
                    {
                        pending.TrySetResult(message["result"]);
                    }
                }
            }
        }
        catch (IOException)
        {
            // The server went away: pending requests time out with its log.
        }
    }

    private static async Task<JsonNode?> ReadMessageAsync(Stream stream)
    {
        var length = -1;
        while (true)
        {
            var line = await ReadLineAsync(stream);
            if (line is null)
            {
                return null;
            }

            if (line.Length == 0)
            {
                break;
            }

            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                length = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        if (length < 0)
        {
            throw new InvalidDataException("an LSP message without Content-Length");
        }

        var body = new byte[length];
        await stream.ReadExactlyAsync(body);
        return JsonNode.Parse(body);
    }

    private static async Task<string?> ReadLineAsync(Stream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one) == 0)
            {
                return bytes.Count == 0 ? null : Encoding.ASCII.GetString(bytes.ToArray());
            }

            if (one[0] == '\n')
            {
                return Encoding.ASCII.GetString(bytes.ToArray()).TrimEnd('\r');
            }

            bytes.Add(one[0]);
        }
    }
}
