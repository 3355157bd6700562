using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DmaDiscipline.Benchmarks.Analyzers;

// A wrapper, not an analyzer of its own: the wrapped analyzer declares its attribute, configures generated code and
// concurrency, and registers its actions; the wrapper passes each through.
#pragma warning disable RS1001, RS1012, RS1025, RS1026

/// <summary>
/// An analyzer run as the compiler runs it, with the CPU time of its callbacks added up (the thread's
/// CPU, <see cref="CpuTime.ThreadNanoseconds"/>): what ReportAnalyzer reports as wall-clock time, minus
/// the time the callback waited for a core. The wrapped analyzer registers through a context that
/// times each action it registers.
/// </summary>
public sealed class CpuTimedAnalyzer(DiagnosticAnalyzer inner) : DiagnosticAnalyzer
{
    private long _nanoseconds;
    private long _bytes;
    private long _pauseTicks;
    private readonly long[] _collections = new long[3];

    public DiagnosticAnalyzer Inner { get; } = inner;

    /// <summary>The CPU its callbacks used so far, in milliseconds.</summary>
    public double Milliseconds => Interlocked.Read(ref _nanoseconds) / 1e6;

    /// <summary>The bytes its callbacks allocated so far, on the threads that ran them.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>
    /// The garbage collections of generation 0, 1 and 2 that happened while one of its callbacks ran, and the time the
    /// process was paused for collections meanwhile, in milliseconds (both process-wide counters: exact for one
    /// analyzer at a time, as the size series runs them, without concurrent analysis).
    /// </summary>
    public long Collections(int generation) => Interlocked.Read(ref _collections[generation]);

    /// <inheritdoc cref="Collections"/>
    public double PauseMilliseconds => TimeSpan.FromTicks(Interlocked.Read(ref _pauseTicks)).TotalMilliseconds;

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => Inner.SupportedDiagnostics;

    public override void Initialize(AnalysisContext context) => Inner.Initialize(new Context(context, this));

    private Action<T> Timed<T>(Action<T> action) => argument =>
    {
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var pause = GC.GetTotalPauseDuration();
        var gen0 = GC.CollectionCount(0);
        var gen1 = GC.CollectionCount(1);
        var gen2 = GC.CollectionCount(2);
        var start = CpuTime.ThreadNanoseconds();
        try
        {
            action(argument);
        }
        finally
        {
            Interlocked.Add(ref _nanoseconds, CpuTime.ThreadNanoseconds() - start);
            Interlocked.Add(ref _bytes, GC.GetAllocatedBytesForCurrentThread() - bytes);
            Interlocked.Add(ref _pauseTicks, (GC.GetTotalPauseDuration() - pause).Ticks);
            Interlocked.Add(ref _collections[0], GC.CollectionCount(0) - gen0);
            Interlocked.Add(ref _collections[1], GC.CollectionCount(1) - gen1);
            Interlocked.Add(ref _collections[2], GC.CollectionCount(2) - gen2);
        }
    };

    private sealed class Context(AnalysisContext context, CpuTimedAnalyzer timer) : AnalysisContext
    {
        public override void EnableConcurrentExecution() => context.EnableConcurrentExecution();

        public override void ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags analysisMode) => context.ConfigureGeneratedCodeAnalysis(analysisMode);

        public override void RegisterCompilationStartAction(Action<CompilationStartAnalysisContext> action) =>
            context.RegisterCompilationStartAction(timer.Timed<CompilationStartAnalysisContext>(start => action(new StartContext(start, timer))));

        public override void RegisterCompilationAction(Action<CompilationAnalysisContext> action) => context.RegisterCompilationAction(timer.Timed(action));

        public override void RegisterAdditionalFileAction(Action<AdditionalFileAnalysisContext> action) => context.RegisterAdditionalFileAction(timer.Timed(action));

        public override void RegisterSemanticModelAction(Action<SemanticModelAnalysisContext> action) => context.RegisterSemanticModelAction(timer.Timed(action));

        public override void RegisterSymbolAction(Action<SymbolAnalysisContext> action, ImmutableArray<SymbolKind> symbolKinds) => context.RegisterSymbolAction(timer.Timed(action), symbolKinds);

        public override void RegisterCodeBlockStartAction<TLanguageKindEnum>(Action<CodeBlockStartAnalysisContext<TLanguageKindEnum>> action) =>
            throw new NotSupportedException("not timed: a code block start action");

        public override void RegisterCodeBlockAction(Action<CodeBlockAnalysisContext> action) => context.RegisterCodeBlockAction(timer.Timed(action));

        public override void RegisterSyntaxTreeAction(Action<SyntaxTreeAnalysisContext> action) => context.RegisterSyntaxTreeAction(timer.Timed(action));

        public override void RegisterSyntaxNodeAction<TLanguageKindEnum>(Action<SyntaxNodeAnalysisContext> action, ImmutableArray<TLanguageKindEnum> syntaxKinds) =>
            context.RegisterSyntaxNodeAction(timer.Timed(action), syntaxKinds);

        public override void RegisterOperationAction(Action<OperationAnalysisContext> action, ImmutableArray<OperationKind> operationKinds) =>
            context.RegisterOperationAction(timer.Timed(action), operationKinds);
    }

    private sealed class StartContext(CompilationStartAnalysisContext start, CpuTimedAnalyzer timer)
        : CompilationStartAnalysisContext(start.Compilation, start.Options, start.CancellationToken)
    {
        public override void RegisterCompilationEndAction(Action<CompilationAnalysisContext> action) => start.RegisterCompilationEndAction(timer.Timed(action));

        public override void RegisterAdditionalFileAction(Action<AdditionalFileAnalysisContext> action) => start.RegisterAdditionalFileAction(timer.Timed(action));

        public override void RegisterSemanticModelAction(Action<SemanticModelAnalysisContext> action) => start.RegisterSemanticModelAction(timer.Timed(action));

        public override void RegisterSymbolAction(Action<SymbolAnalysisContext> action, ImmutableArray<SymbolKind> symbolKinds) => start.RegisterSymbolAction(timer.Timed(action), symbolKinds);

        public override void RegisterCodeBlockStartAction<TLanguageKindEnum>(Action<CodeBlockStartAnalysisContext<TLanguageKindEnum>> action) =>
            throw new NotSupportedException("not timed: a code block start action");

        public override void RegisterCodeBlockAction(Action<CodeBlockAnalysisContext> action) => start.RegisterCodeBlockAction(timer.Timed(action));

        public override void RegisterSyntaxTreeAction(Action<SyntaxTreeAnalysisContext> action) => start.RegisterSyntaxTreeAction(timer.Timed(action));

        public override void RegisterSyntaxNodeAction<TLanguageKindEnum>(Action<SyntaxNodeAnalysisContext> action, ImmutableArray<TLanguageKindEnum> syntaxKinds) =>
            start.RegisterSyntaxNodeAction(timer.Timed(action), syntaxKinds);

        public override void RegisterOperationAction(Action<OperationAnalysisContext> action, ImmutableArray<OperationKind> operationKinds) =>
            start.RegisterOperationAction(timer.Timed(action), operationKinds);
    }
}
