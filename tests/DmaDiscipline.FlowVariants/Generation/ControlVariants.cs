namespace DmaDiscipline.FlowVariants.Generation;

/// <summary>
/// Control-flow variants: the core (its value in a local) placed in branches, loops, handlers and
/// other kinds of bodies, or given an early exit at <c>$mid</c> — where the twin does what a
/// correct driver does before leaving (<see cref="Flow.OnExit"/>).
/// </summary>
public static class ControlVariants
{
    private const string Return = "if (n < 0) { $exit $ret; }";

    /// <summary>The core with its value in the local <c>a</c>, and <paramref name="exit"/> at <c>$mid</c>.</summary>
    public static string Local(Flow flow, string exit = "") =>
        Flow.Join($"var a = {flow.Produce};", flow.Rest(exit)).Replace("$v", "a", StringComparison.Ordinal);

    private static Variant Wrap(string id, string description, Func<string, string> around) =>
        new(id, VariantKind.Control, description, flow => new CaseCode(around(Local(flow))));

    private static Variant Exit(string id, string description, string exit, Func<string, string>? around = null) =>
        new(id, VariantKind.Control, description, flow => new CaseCode((around ?? (body => body))(Local(flow, exit))));

    private static string? NoRelease(DefectCore core) =>
        core.HasRelease ? null : "the core has no release to move into a handler";

    /// <summary>The control-flow variants, in table order.</summary>
    public static IReadOnlyList<Variant> All { get; } =
    [
        Wrap("c01", "straight line (the base case)", body => body),
        Wrap("c02", "`if (flag) { … }`", body => $"if (flag) {{ {body} }}"),
        Wrap("c03", "`if/else`, the core in the then-arm", body => $"if (flag) {{ {body} }} else {{ Log.Info(\"skipped\"); }}"),
        Wrap("c04", "`if/else`, the core in the else-arm", body => $"if (!flag) {{ Log.Info(\"skipped\"); }} else {{ {body} }}"),
        Wrap("c05", "`else if` chain, the core in the middle arm", body => $"if (n == 0) {{ Log.Info(\"none\"); }} else if (n == 1) {{ {body} }} else {{ Log.Info(\"many\"); }}"),
        Wrap("c06", "`switch` statement, a `case` section", body => $"switch (n) {{ case 0: Log.Info(\"none\"); break; case 1: {{ {body} }} break; default: break; }}"),
        Wrap("c07", "`switch` statement, the `default` section", body => $"switch (n) {{ case 0: Log.Info(\"none\"); break; default: {{ {body} }} break; }}"),
        Wrap("c08", "`switch` statement, `case var k when …`", body => $"switch (n) {{ case var k when k > 0: {{ {body} }} break; default: Log.Info(\"none\"); break; }}"),
        Wrap("c09", "condition from a switch expression", body => $"var go = n switch {{ 0 => false, _ => true }}; if (go) {{ {body} }}"),
        Wrap("c10", "condition from `?:`", body => $"if (flag ? n > 0 : n < 0) {{ {body} }}"),
        Wrap("c11", "`for` loop, one iteration", body => $"for (var i = 0; i < 1; i++) {{ {body} }}"),
        Wrap("c12", "`for` loop with `continue` before the core", body => $"for (var i = 0; i < n; i++) {{ if (i % 2 == 1) continue; {body} }}"),
        Wrap("c13", "`while (true)` with `break` after the core", body => $"while (true) {{ {body} break; }}"),
        Wrap("c14", "`do … while`", body => $"do {{ {body} }} while (--n > 0);"),
        Wrap("c15", "`foreach` over the descriptors", body => $"foreach (var d in ring) {{ if (d.Len != 0) continue; {body} }}"),
        Wrap("c16", "guard `return` before the core", body => $"if (n < 0) $ret; {body}"),
        Wrap("c17", "guard `throw` before the core", body => $"if (n < 0) throw new ArgumentOutOfRangeException(nameof(n)); {body}"),
        Exit("c18", "early `return` in the middle", Return),
        Exit("c19", "`throw` in the middle", "if (n < 0) { $exit throw new InvalidOperationException(\"bad request\"); }"),
        Exit("c20", "`break` out of a loop in the middle", "if (i == n) { $exit break; }", body => $"for (var i = 0; i < 2; i++) {{ {body} }}"),
        Exit("c21", "`continue` in the middle", "if (i == n) { $exit continue; }", body => $"for (var i = 0; i < 2; i++) {{ {body} }}"),
        Exit("c22", "`goto` out of the middle", "if (n < 0) { $exit goto done; }", body => $"{{ {body} }} done: Log.Info(\"done\");"),
        Wrap("c23", "`goto` past the core", body => $"if (!flag) goto done; {{ {body} }} done: Log.Info(\"done\");"),
        Wrap("c24", "`goto` loop (retry)", body => $"var tries = 0; again: {{ {body} }} if (++tries < n) goto again;"),
        Wrap("c25", "`try/catch` around the core", body => $"try {{ {body} }} catch (InvalidOperationException ex) {{ Log.Info(ex.Message); }}"),
        Wrap("c26", "`try/catch` that rethrows", body => $"try {{ {body} }} catch (Exception) {{ Log.Info(\"failed\"); throw; }}"),
        Wrap("c27", "`try/finally` around the core", body => $"try {{ {body} }} finally {{ Log.Info(\"done\"); }}"),
        new("c28", VariantKind.Control, "the release in `finally`", flow => new CaseCode(
            Flow.Join($"var a = {flow.Produce};", flow.Check, "try {", flow.Middle, "} finally {", flow.Final, "}").Replace("$v", "a", StringComparison.Ordinal)),
            NoRelease),
        new("c29", VariantKind.Control, "the release in a rethrowing `catch` and after it", flow => new CaseCode(
            Flow.Join($"var a = {flow.Produce};", flow.Check, "try {", flow.Middle, "} catch (Exception) {", flow.OnExit, "throw; }", flow.Final).Replace("$v", "a", StringComparison.Ordinal)),
            NoRelease),
        Wrap("c30", "`using` statement", body => $"using (var scope = new Scope()) {{ {body} }}"),
        Wrap("c31", "`using` declaration", body => $"using var scope = new Scope(); {body}"),
        new("c32", VariantKind.Control, "`lock`", flow => new CaseCode($"lock (_gate) {{ {Local(flow)} }}", Members: "private readonly object _gate = new();")),
        Wrap("c33", "property pattern `is { Length: >= 64 }`", body => $"if (buf is {{ Length: >= 64 }}) {{ {body} }}"),
        Wrap("c34", "type pattern with `when` in a `switch`", body => $"switch (buf) {{ case {{ Length: 0 }}: Log.Info(\"empty\"); break; case KBuffer b when b.Length >= 64: {{ {body} }} break; }}"),
        Wrap("c35", "the core in a local function", body => $"void Submit() {{ {body} }} Submit();"),
        Wrap("c36", "the core in a lambda", body => $"Action submit = () => {{ {body} }}; submit();"),
        new("c37", VariantKind.Control, "`async` method, the core after an `await`", flow => new CaseCode($"await Task.Yield(); {Local(flow)}", MethodShape.Async)),
        new("c38", VariantKind.Control, "`async` method, an `await` between map and use", flow => new CaseCode(
            Flow.Join($"var a = {flow.Produce};", flow.Check, "await Task.Yield();", flow.Middle, flow.Final).Replace("$v", "a", StringComparison.Ordinal), MethodShape.Async)),
        new("c39", VariantKind.Control, "iterator, the core between `yield return`s", flow => new CaseCode($"yield return 0; {Local(flow)} yield return 1;", MethodShape.Iterator)),
        // A caller may stop enumerating at the yield: a release after it belongs in finally.
        new("c40", VariantKind.Control, "iterator, a `yield return` between map and use", flow => new CaseCode(
            Flow.Join($"var a = {flow.Produce};", flow.Check, flow.Final.Length == 0 ? $"yield return 0; {flow.Middle}" : $"try {{ yield return 0; {flow.Middle} }} finally {{ {flow.Final} }}")
                .Replace("$v", "a", StringComparison.Ordinal), MethodShape.Iterator)),
        new("c41", VariantKind.Control, "`async` method with an early `return` in the middle", flow => new CaseCode($"await Task.Yield(); {Local(flow, Return)}", MethodShape.Async)),
        Wrap("c42", "nested: a loop in a branch in a loop", body => $"for (var i = 0; i < n; i++) {{ if (flag) {{ while (true) {{ {body} break; }} }} }}"),
        Exit("c43", "early `return` in the middle, inside `try/finally`", Return, body => $"try {{ {body} }} finally {{ Log.Info(\"done\"); }}"),
        Exit("c44", "early `return` in the middle, inside a `switch` section", Return, body => $"switch (n) {{ case 0: Log.Info(\"none\"); break; default: {{ {body} }} break; }}"),
    ];
}
