using System.Text;

namespace DmaDiscipline.Analyzers.Tests.Infrastructure;

/// <summary>Source text for bodies past the analyses' limits: long switches and if-chains, lambdas nested deep.</summary>
internal static class LargeBodies
{
    /// <summary>
    /// <paramref name="count"/> switch sections <c>case i: n += i; break;</c> (the tree walk follows them), or
    /// with <paramref name="guarded"/> <c>case i when n &gt;= 0: …</c> (a <c>when</c> clause: the tree walk declines the switch).
    /// </summary>
    public static string SwitchSections(int count, bool guarded = false)
    {
        var cases = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            cases.Append("            case ").Append(i).Append(guarded ? " when n >= 0" : string.Empty).Append(": n += ").Append(i).AppendLine("; break;");
        }

        return cases.ToString();
    }

    /// <summary><paramref name="count"/> statements <c>if (mode == i) n += i;</c> (structured: the tree walk follows them).</summary>
    public static string IfChain(int count)
    {
        var statements = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            statements.Append("        if (mode == ").Append(i).Append(") n += ").Append(i).AppendLine(";");
        }

        return statements.ToString();
    }

    /// <summary><paramref name="count"/> early exits <c>if (mode == i) return i;</c>, each a block of its own in the graph and one for its branch.</summary>
    public static string EarlyReturns(int count)
    {
        var statements = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            statements.Append("        if (mode == ").Append(i).Append(") return ").Append(i).AppendLine(";");
        }

        return statements.ToString();
    }

    /// <summary>The text before and after a statement nested <paramref name="depth"/> lambdas deep (<c>Action l0 = () => { … }; l0();</c>).</summary>
    public static (string Open, string Close) NestedLambdas(int depth)
    {
        var open = new StringBuilder();
        var close = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            open.Append("Action l").Append(i).Append(" = () => { ");
            close.Insert(0, " }; l" + i + "();");
        }

        return (open.ToString(), close.ToString());
    }
}
