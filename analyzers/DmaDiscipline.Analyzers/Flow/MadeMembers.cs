using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// Per-allocation-site content: <c>x.Data.Base</c>, where every write of the field <c>Data</c> in the compilation is a
    /// <c>new Block(…)</c> and <c>Block.Base</c> is set only by Block's constructors (a readonly field, a get-only
    /// auto-property), is what those constructors store into <c>Base</c> from what each <c>new</c> gave them — not the
    /// union of every block's base, which a field's one content per field would be. Across projects, the holder's
    /// project publishes it (<c>made-with</c> lines, <see cref="MadeWith"/>), and the reading project applies them
    /// when it writes the holder nowhere itself.
    /// </summary>
    internal sealed partial class AddressSummaries
    {
        /// <summary>A <c>new</c> that makes what a holder holds: the creation, and the body it is in (null in a field's initializer).</summary>
        private readonly struct MadeSite
        {
            public MadeSite(IObjectCreationOperation creation, IMethodSymbol? writer)
            {
                Creation = creation;
                Writer = writer;
            }

            public IObjectCreationOperation Creation { get; }
            public IMethodSymbol? Writer { get; }
        }

        // Per holder: its sites, or default when some write of it is not a new of a constructor of the compilation.
        private readonly ConcurrentDictionary<IFieldSymbol, ImmutableArray<MadeSite>> _madeSites =
            new ConcurrentDictionary<IFieldSymbol, ImmutableArray<MadeSite>>(SymbolEqualityComparer.Default);

        /// <summary>
        /// The value of <paramref name="read"/> (<c>instance.member</c>) when <paramref name="instance"/> reads a holder
        /// whose objects are followed per allocation site; null when it is not (the caller follows the member as usual).
        /// </summary>
        public ImmutableHashSet<Origin>? MadeMember(IOperation read, ISymbol member, IOperation instance)
        {
            if (!(member is IFieldSymbol || member is IPropertySymbol { IsIndexer: false }) || member.IsStatic)
            {
                return null;
            }

            ISymbol? holder = Keys.Unwrap(instance) switch
            {
                IFieldReferenceOperation field when !field.Field.IsConst => field.Field,
                IPropertyReferenceOperation { Property.IsIndexer: false } property => property.Property,
                _ => null,
            };
            if (holder is null)
            {
                return null;
            }

            if (IsOfCompilation(holder))
            {
                var holderField = holder as IFieldSymbol ?? BackingFieldOf((IPropertySymbol)holder);
                return holderField is not null && holderField.Type.IsReferenceType && ConstructorOnlyMember(member) is { } memberField
                    ? Origin.None.Add(new MadeMemberOrigin((IFieldSymbol)holderField.OriginalDefinition, memberField))
                    : null;
            }

            return _symbols.MadeWithOf(holder) is { } lines ? Published(read, holder, member.Name, lines) : null;
        }

        /// <summary>
        /// What the holder's project published of the member, as origins at the read: its physical addresses, device
        /// memory and constants. Not applied when this compilation writes the holder itself (its own objects are not
        /// the ones the summary describes).
        /// </summary>
        private ImmutableHashSet<Origin>? Published(IOperation read, ISymbol holder, string member, IReadOnlyList<MadeWith> lines)
        {
            var result = Origin.None;
            var constants = new List<string>();
            var indexed = true;
            foreach (var line in lines)
            {
                if (line.Member != member)
                {
                    continue;
                }

                switch (line.Kind)
                {
                    case MadeWith.PhysicalSource:
                        result = result.Add(new PhysicalOrigin(read));
                        break;
                    case MadeWith.DeviceMemory:
                        result = result.Add(new DeviceMemoryOrigin(read.Syntax, Keys.Describe(read)));
                        break;
                    default:
                        constants.Add("0x" + line.Value.ToString("X8", CultureInfo.InvariantCulture));
                        indexed &= line.Kind == MadeWith.IndexedConstant;
                        break;
                }
            }

            if ((result.IsEmpty && constants.Count == 0) || WrittenHere(holder))
            {
                return null;
            }

            if (constants.Count > 0)
            {
                var owner = holder.ContainingType is { } type ? type.Name + "." + holder.Name : holder.Name;
                result = result.Add(new ForgedOrigin(read,
                    $"the integer constant {string.Join(" or ", constants)} that '{owner}' is made with in '{holder.ContainingAssembly?.Name}'", constant: true, indexed: indexed));
            }

            return result;
        }

        private readonly ConcurrentDictionary<ISymbol, bool> _writtenHere = new ConcurrentDictionary<ISymbol, bool>(SymbolEqualityComparer.Default);

        /// <summary>Does any code of this compilation write the (other assembly's) holder?</summary>
        private bool WrittenHere(ISymbol holder) =>
            _writtenHere.GetOrAdd(holder.OriginalDefinition, h => !ScanWrites(h.Name, symbol => SymbolEqualityComparer.Default.Equals(symbol.OriginalDefinition, h), sites: null));

        /// <summary>
        /// A member of the compilation set only by its type's constructors: a readonly instance field or a get-only
        /// auto-property of a class, of an address-like type, without an initializer (its one value is what a
        /// constructor stores). Its backing field, or null.
        /// </summary>
        private IFieldSymbol? ConstructorOnlyMember(ISymbol member) =>
            member is IFieldSymbol || member is IPropertySymbol
                ? _constructorOnly.GetOrAdd(member.OriginalDefinition, ComputeConstructorOnlyMember)
                : null;

        // Asked at every member read with an instance: decided once per member.
        private readonly ConcurrentDictionary<ISymbol, IFieldSymbol?> _constructorOnly = new ConcurrentDictionary<ISymbol, IFieldSymbol?>(SymbolEqualityComparer.Default);

        private IFieldSymbol? ComputeConstructorOnlyMember(ISymbol member)
        {
            IFieldSymbol? field;
            ITypeSymbol type;
            switch (member)
            {
                case IFieldSymbol f when f.IsReadOnly && !f.IsConst && !f.IsStatic:
                    field = f;
                    type = f.Type;
                    break;
                case IPropertySymbol p when p.SetMethod is null && !p.IsStatic:
                    field = BackingFieldOf(p);
                    type = p.Type;
                    break;
                default:
                    return null;
            }

            if (field is null || !IsOfCompilation(field) || field.ContainingType.TypeKind != TypeKind.Class || !_symbols.IsAddressLike(type) || HasInitializer(field))
            {
                return null;
            }

            return (IFieldSymbol)field.OriginalDefinition;
        }

        private bool HasInitializer(IFieldSymbol field)
        {
            foreach (var reference in (field.AssociatedSymbol ?? field).DeclaringSyntaxReferences)
            {
                var syntax = reference.GetSyntax(_cancellationToken);
                if ((syntax is VariableDeclaratorSyntax { Initializer: not null }) || (syntax is PropertyDeclarationSyntax { Initializer: not null }))
                {
                    return true;
                }
            }

            return false;
        }

        private bool IsOfCompilation(ISymbol symbol) => SymbolEqualityComparer.Default.Equals(symbol.ContainingAssembly, _symbols.Compilation.Assembly);

        /// <summary>
        /// The member as the read resolves it: per site, what is kept where a value enters a field from a constructor's
        /// argument — device memory, real bus addresses, and forgeries (marked with the constructor's parameter: one
        /// reported where it is given, because the parameter reaches a sink, is not reported again at the read; a bare
        /// constant never is there). A physical address given to the constructor is reported at the <c>new</c> (the member
        /// reaches a sink, so the parameter does). Where the holder does not qualify, the member's own content.
        /// </summary>
        private void ResolveMade(MadeMemberOrigin made, int depth, ref ImmutableHashSet<Origin> result, ref bool unknown)
        {
            var sites = MadeSitesOf(made.Holder);
            if (sites.IsDefault)
            {
                ResolveField(made.Member, depth, ref result, ref unknown);
                return;
            }

            if (sites.IsEmpty)
            {
                unknown = true;
                return;
            }

            foreach (var site in sites)
            {
                foreach (var origin in SiteContent(site, made.Member, depth, ref unknown))
                {
                    if (origin is DeviceMemoryOrigin || origin is BusOrigin || origin is ForgedOrigin)
                    {
                        result = result.Add(origin);
                    }
                }
            }
        }

        /// <summary>
        /// For the summary generator: each constructor-only member of what <paramref name="holder"/> holds, with its
        /// content over every site (physical addresses included: the reading project reports them) and whether some
        /// of it is not known. Nothing when the holder does not qualify.
        /// </summary>
        public IEnumerable<(IFieldSymbol Member, string Name, ImmutableHashSet<Origin> Content, bool Unknown)> MadeContents(IFieldSymbol holder)
        {
            if (!(holder.Type is INamedTypeSymbol { TypeKind: TypeKind.Class } type) || !IsOfCompilation(type))
            {
                yield break;
            }

            List<(IFieldSymbol Field, string Name)>? members = null;
            foreach (var member in type.GetMembers())
            {
                if ((member is IFieldSymbol { IsImplicitlyDeclared: false } || member is IPropertySymbol) && ConstructorOnlyMember(member) is { } field)
                {
                    (members ??= new List<(IFieldSymbol, string)>()).Add((field, member.Name));
                }
            }

            if (members is null)
            {
                yield break;
            }

            var sites = MadeSitesOf((IFieldSymbol)holder.OriginalDefinition);
            if (sites.IsDefault || sites.IsEmpty)
            {
                yield break;
            }

            foreach (var (field, name) in members)
            {
                var content = Origin.None;
                var unknown = false;
                foreach (var site in sites)
                {
                    content = content.Union(SiteContent(site, field, 0, ref unknown));
                }

                yield return (field, name, content, unknown);
            }
        }

        /// <summary>What the constructor a <c>new</c> runs stores into the member, given that <c>new</c>'s arguments.</summary>
        private ImmutableHashSet<Origin> SiteContent(MadeSite site, IFieldSymbol member, int depth, ref bool unknown)
        {
            var constructor = site.Creation.Constructor;
            if (constructor is null || !SymbolEqualityComparer.Default.Equals(constructor.ContainingType.OriginalDefinition, member.ContainingType)
                || !SummaryOf(constructor).FieldWrites.TryGetValue(member, out var stored) || stored.IsEmpty
                || !(ArgumentsAt(site, constructor) is { } arguments))
            {
                // A derived type's, or a constructor that chains to another to set it: not followed.
                unknown = true;
                return Origin.None;
            }

            var content = Origin.None;
            var top = new Frame(null, null, keepParameters: false);
            foreach (var origin in stored)
            {
                if (origin is ParameterOrigin parameter && parameter.Ordinal < arguments.Length)
                {
                    // What this new gave the parameter, forgeries marked with it (see ReportedWhereEntered).
                    var given = Origin.None;
                    Resolve(arguments[parameter.Ordinal], top, depth + 1, ref given, ref unknown);
                    foreach (var value in given)
                    {
                        content = content.Add(value is ForgedOrigin { EnteredThrough: null } forged ? forged.Entered(constructor, parameter.Ordinal) : value);
                    }
                }
                else
                {
                    Resolve(Origin.None.Add(origin), new Frame(arguments, top, keepParameters: false), depth + 1, ref content, ref unknown);
                }
            }

            return content;
        }

        /// <summary>The argument values at a <c>new</c>: as its body's summary has them, or (a field's initializer, a constructor without parameters) its constants; null when neither.</summary>
        private ImmutableArray<ImmutableHashSet<Origin>>? ArgumentsAt(MadeSite site, IMethodSymbol constructor)
        {
            if (site.Writer is { } writer)
            {
                foreach (var (_, arguments, syntax) in SummaryOf(writer).Creations)
                {
                    if (syntax == site.Creation.Syntax)
                    {
                        return arguments;
                    }
                }
            }

            var values = new ImmutableHashSet<Origin>[constructor.Parameters.Length];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = Origin.None;
            }

            foreach (var argument in site.Creation.Arguments)
            {
                if (argument.Parameter is null || argument.Parameter.Ordinal >= values.Length)
                {
                    return null;
                }

                var value = argument.Value;
                if (!value.ConstantValue.HasValue)
                {
                    return null;
                }

                if (AddressFlow.IsForgedConstant(value, _symbols))
                {
                    values[argument.Parameter.Ordinal] = Origin.None.Add(new ForgedOrigin(value, $"the integer constant {Keys.Describe(value)}", constant: true));
                }
            }

            return values.ToImmutableArray();
        }

        private ImmutableArray<MadeSite> MadeSitesOf(IFieldSymbol holder) => _madeSites.GetOrAdd(holder, ComputeMadeSites);

        private ImmutableArray<MadeSite> ComputeMadeSites(IFieldSymbol holder)
        {
            var declared = holder.AssociatedSymbol ?? holder;
            var sites = new List<MadeSite>();

            // The declaration's own initializer.
            foreach (var reference in declared.DeclaringSyntaxReferences)
            {
                var syntax = reference.GetSyntax(_cancellationToken);
                var initializer = syntax switch
                {
                    VariableDeclaratorSyntax variable => variable.Initializer?.Value,
                    PropertyDeclarationSyntax property => property.Initializer?.Value,
                    _ => null,
                };
                if (initializer is not null && !AddSite(initializer, writer: null, sites))
                {
                    return default;
                }
            }

            return ScanWrites(declared.Name, symbol => IsHolder(symbol, holder), sites) ? sites.ToImmutableArray() : default;
        }

        private bool IsHolder(ISymbol symbol, IFieldSymbol holder) =>
            SymbolEqualityComparer.Default.Equals((symbol as IFieldSymbol ?? (symbol is IPropertySymbol property ? BackingFieldOf(property) : null))?.OriginalDefinition, holder);

        /// <summary>
        /// Every write of the member called <paramref name="name"/> that <paramref name="isHolder"/> accepts, in every tree
        /// of the compilation whose text names it: with <paramref name="sites"/>, each must be <c>= new T(…)</c> (added);
        /// without, there must be none. False when a write does not fit (a compound assignment, <c>ref</c>/<c>out</c>,
        /// <c>++</c>, a deconstruction, any other value).
        /// </summary>
        private bool ScanWrites(string name, System.Func<ISymbol, bool> isHolder, List<MadeSite>? sites)
        {
            foreach (var tree in _symbols.CodeTrees(_cancellationToken))
            {
                _cancellationToken.ThrowIfCancellationRequested();
                var text = SourceWords.TextOf(tree);
                SyntaxNode? root = null;
                for (var at = SourceWords.IndexOfWord(text, name, 0, text.Length); at >= 0; at = SourceWords.IndexOfWord(text, name, at + 1, text.Length))
                {
                    root ??= tree.GetRoot(_cancellationToken);
                    if (!(root.FindToken(at).Parent is SimpleNameSyntax simple) || simple.Identifier.ValueText != name || !(WrittenValue(simple, out var value)))
                    {
                        continue;
                    }

                    var model = _bodies.ModelOf(tree);
                    var info = model.GetSymbolInfo(simple, _cancellationToken);
                    var named = info.Symbol is { } symbol ? isHolder(symbol) : AnyHolder(info.CandidateSymbols, isHolder);
                    if (!named)
                    {
                        continue;
                    }

                    if (sites is null || value is null || !AddSite(value, model.GetEnclosingSymbol(value.SpanStart, _cancellationToken) as IMethodSymbol, sites))
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        private static bool AnyHolder(ImmutableArray<ISymbol> candidates, System.Func<ISymbol, bool> isHolder)
        {
            foreach (var candidate in candidates)
            {
                if (isHolder(candidate))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Is the name written here, and with what (the value of a simple assignment; null for any other write)?</summary>
        private static bool WrittenValue(SimpleNameSyntax name, out ExpressionSyntax? value)
        {
            value = null;
            SyntaxNode node = name;
            if ((node.Parent is MemberAccessExpressionSyntax access && access.Name == node) || (node.Parent is MemberBindingExpressionSyntax binding && binding.Name == node))
            {
                node = node.Parent;
            }

            while (node.Parent is ParenthesizedExpressionSyntax)
            {
                node = node.Parent;
            }

            switch (node.Parent)
            {
                case AssignmentExpressionSyntax assignment when assignment.Left == node:
                    value = assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) ? assignment.Right : null;
                    return true;
                case PrefixUnaryExpressionSyntax prefix:
                    return prefix.IsKind(SyntaxKind.PreIncrementExpression) || prefix.IsKind(SyntaxKind.PreDecrementExpression) || prefix.IsKind(SyntaxKind.AddressOfExpression);
                case PostfixUnaryExpressionSyntax postfix:
                    return postfix.IsKind(SyntaxKind.PostIncrementExpression) || postfix.IsKind(SyntaxKind.PostDecrementExpression);
                case ArgumentSyntax argument:
                    // ref/out/in, or an element of a tuple (a deconstruction's target, or a value a ref may be taken of).
                    return !argument.RefKindKeyword.IsKind(SyntaxKind.None) || argument.Parent is TupleExpressionSyntax;
                case RefExpressionSyntax _:
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>Adds a <c>new T(…)</c> (through parentheses and casts) as a site; false for any other value.</summary>
        private bool AddSite(ExpressionSyntax value, IMethodSymbol? writer, List<MadeSite> sites)
        {
            while (value is ParenthesizedExpressionSyntax || value is CastExpressionSyntax)
            {
                value = value is ParenthesizedExpressionSyntax parenthesized ? parenthesized.Expression : ((CastExpressionSyntax)value).Expression;
            }

            if (!(value is BaseObjectCreationExpressionSyntax)
                || !(Rules.DeepStack.Operation(_bodies.ModelOf(value.SyntaxTree), value, _cancellationToken) is IObjectCreationOperation creation)
                || creation.Constructor is null || !IsOfCompilation(creation.Constructor))
            {
                return false;
            }

            sites.Add(new MadeSite(creation, writer));
            return true;
        }
    }
}
