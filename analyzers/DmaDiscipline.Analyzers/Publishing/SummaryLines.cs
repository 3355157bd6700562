using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using DmaDiscipline.Analyzers.Flow;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Publishing
{
    /// <summary>
    /// What a project publishes of its public members, in symbols-file lines, computed by the same
    /// summaries DMA001 uses inside the project (<see cref="AddressSummaries"/>): a parameter that
    /// reaches a device-visible sink on some path (<c>bus-sink(p)</c>; a property or field whose value
    /// does: <c>bus-sink</c>), a helper that returns what its first argument carries
    /// (<c>value-preserving</c>), a member that returns or holds a physical address
    /// (<c>physical-source</c>) or device memory (<c>device-memory</c>). A project whose source uses no
    /// sink, names no physical source and declares none publishes nothing, and nothing is summarised for it.
    /// </summary>
    internal static class SummaryLines
    {
        public static IReadOnlyList<string> Compute(Compilation compilation, ImmutableArray<AdditionalText> additionalFiles, CancellationToken cancellationToken) =>
            Compute(compilation, additionalFiles, cancellationToken, out _);

        /// <param name="summarised">The bodies that were bound and summarised to find the lines (none when nothing is published).</param>
        public static IReadOnlyList<string> Compute(Compilation compilation, ImmutableArray<AdditionalText> additionalFiles, CancellationToken cancellationToken,
            out IReadOnlyCollection<IMethodSymbol> summarised)
        {
            summarised = Array.Empty<IMethodSymbol>();
            var symbols = DmaSymbols.Create(compilation, additionalFiles, cancellationToken);
            if (!symbols.IsActive || symbols.CompilationIsPlatform)
            {
                return Array.Empty<string>();
            }

            var carriers = symbols.Carriers(cancellationToken);
            if (!carriers.UsesSinks && !carriers.NamesPhysical && !symbols.DeclaresPhysicalSource)
            {
                return Array.Empty<string>();
            }

            // Where sinks are used, a path a value may take to one goes only through the callees and fields the words allow.
            var (sinkWords, sinkBound) = carriers.SinkBoundNames(cancellationToken);
            var summaries = new AddressSummaries(symbols, carriers.IsSinkName, cancellationToken, carriers.UsesSinks ? new SinkReach(sinkWords, sinkBound) : null);
            var lines = new SortedSet<string>(StringComparer.Ordinal);
            // A project that only declares a source (an environment library) uses neither sinks nor physical
            // addresses: only its helpers that visibly return their argument are summarised, for value-preserving.
            var addressesInReach = carriers.UsesSinks || carriers.NamesPhysical;
            var content = addressesInReach ? carriers.ContentNames(cancellationToken) : new HashSet<string>();
            var writer = new Writer(symbols, summaries, new VisibleReturn(compilation, summaries.ModelOf, cancellationToken), carriers.UsesSinks, addressesInReach, new Gates(content, sinkWords, sinkBound, carriers), lines, cancellationToken);
            if (addressesInReach)
            {
                foreach (var type in VisibleTypes(compilation.Assembly.GlobalNamespace))
                {
                    writer.Add(type);
                }
            }
            else
            {
                // An environment library publishes only value-preserving helpers: the members whose signature allows one are
                // found by syntax, and no other member's symbol is made (a large project that does no DMA binds nothing else).
                foreach (var declaration in carriers.ValuePreservingCandidates)
                {
                    if (summaries.ModelOf(declaration.SyntaxTree).GetDeclaredSymbol(declaration, cancellationToken) is IMethodSymbol method)
                    {
                        writer.AddHelper(method.PartialDefinitionPart ?? method);
                    }
                }
            }

            summarised = summaries.Summarised;
            return new List<string>(lines);
        }

        private static IEnumerable<INamedTypeSymbol> VisibleTypes(INamespaceSymbol ns)
        {
            foreach (var member in ns.GetMembers())
            {
                if (member is INamespaceSymbol inner)
                {
                    foreach (var type in VisibleTypes(inner))
                    {
                        yield return type;
                    }
                }
                else if (member is INamedTypeSymbol type)
                {
                    foreach (var visible in VisibleTypes(type))
                    {
                        yield return visible;
                    }
                }
            }
        }

        private static IEnumerable<INamedTypeSymbol> VisibleTypes(INamedTypeSymbol type)
        {
            if (!IsVisible(type) || type.IsImplicitlyDeclared)
            {
                yield break;
            }

            yield return type;
            foreach (var nested in type.GetTypeMembers())
            {
                foreach (var visible in VisibleTypes(nested))
                {
                    yield return visible;
                }
            }
        }

        /// <summary>
        /// Can another assembly name it: public, or protected in a public type. Internal members are not
        /// published (a friend assembly would resolve them, any other would find the line stale).
        /// </summary>
        private static bool IsVisible(ISymbol symbol) =>
            symbol.DeclaredAccessibility == Accessibility.Public
            || (symbol.ContainingType is not null
                && (symbol.DeclaredAccessibility == Accessibility.Protected || symbol.DeclaredAccessibility == Accessibility.ProtectedOrInternal));

        /// <summary>
        /// Which members can have a summary, by words (supersets, computed once per compilation from the text):
        /// <see cref="Content"/>, the names of those that may hold or return a physical address or device memory
        /// (<see cref="AddressCarriers.ContentNames"/>); <see cref="SinkWords"/>, the call names of those that may give a
        /// device-visible sink a parameter, and <see cref="SinkBound"/>, the names of those whose value may reach one
        /// (<see cref="AddressCarriers.SinkBoundNames"/>).
        /// </summary>
        private sealed class Gates
        {
            private readonly Func<SyntaxNode, string, CancellationToken, bool> _mayStoreContent;
            private readonly Func<SyntaxNode, string, CancellationToken, bool> _mayReachSinkIn;

            public Gates(HashSet<string> content, HashSet<string> sinkWords, HashSet<string> sinkBound, AddressCarriers carriers)
            {
                Content = content;
                SinkWords = sinkWords;
                SinkBound = sinkBound;
                _mayStoreContent = carriers.MayStoreContent;
                _mayReachSinkIn = carriers.MayReachSinkIn;
            }

            public HashSet<string> Content { get; }
            public HashSet<string> SinkWords { get; }
            public HashSet<string> SinkBound { get; }

            /// <summary>
            /// May <paramref name="writer"/> store a physical address or device memory into a member called <paramref name="name"/>
            /// (<see cref="AddressCarriers.MayStoreContent"/>, over the whole member declaration around it: a local function's
            /// writes may use its enclosing method's locals)? True where its declaration is not in source.
            /// </summary>
            public bool MayStoreContent(IMethodSymbol writer, string name, CancellationToken cancellationToken)
            {
                // Asked of every writer of a name once per field of that name (one per type of a repetitive project): answered once.
                var key = (writer, name);
                return _mayStore.TryGetValue(key, out var known) ? known : _mayStore.GetOrAdd(key, AnyDeclaration(writer, name, _mayStoreContent, cancellationToken));
            }

            private readonly System.Collections.Concurrent.ConcurrentDictionary<(IMethodSymbol, string), bool> _mayStore =
                new System.Collections.Concurrent.ConcurrentDictionary<(IMethodSymbol, string), bool>(new WriterAndName());

            private sealed class WriterAndName : IEqualityComparer<(IMethodSymbol Writer, string Name)>
            {
                public bool Equals((IMethodSymbol Writer, string Name) x, (IMethodSymbol Writer, string Name) y) =>
                    SymbolEqualityComparer.Default.Equals(x.Writer, y.Writer) && string.Equals(x.Name, y.Name, StringComparison.Ordinal);

                public int GetHashCode((IMethodSymbol Writer, string Name) obj) =>
                    SymbolEqualityComparer.Default.GetHashCode(obj.Writer) * 31 + StringComparer.Ordinal.GetHashCode(obj.Name);
            }

            /// <summary>
            /// May the parameter called <paramref name="name"/> reach a device-visible sink in <paramref name="method"/>: is it bound
            /// in the declaration (<see cref="AddressCarriers.MayReachSinkIn"/>)? True where the method is not declared in source,
            /// and where a call of it may run another body (abstract, virtual, an override, an interface's).
            /// </summary>
            public bool MayReachSink(IMethodSymbol method, string name, CancellationToken cancellationToken) =>
                method.IsAbstract || method.IsVirtual || method.IsOverride || method.ContainingType?.TypeKind == TypeKind.Interface
                || AnyDeclaration(method, name, _mayReachSinkIn, cancellationToken);

            private static bool AnyDeclaration(IMethodSymbol writer, string name, Func<SyntaxNode, string, CancellationToken, bool> test, CancellationToken cancellationToken)
            {
                if (writer.DeclaringSyntaxReferences.IsEmpty)
                {
                    return true;
                }

                foreach (var reference in writer.DeclaringSyntaxReferences)
                {
                    SyntaxNode? member = reference.GetSyntax(cancellationToken);
                    while (member is not null && !(member is Microsoft.CodeAnalysis.CSharp.Syntax.MemberDeclarationSyntax))
                    {
                        member = member.Parent;
                    }

                    if (member is null || test(member, name, cancellationToken))
                    {
                        return true;
                    }
                }

                return false;
            }
        }

        private sealed class Writer
        {
            private readonly DmaSymbols _symbols;
            private readonly AddressSummaries _summaries;
            private readonly VisibleReturn _visibleReturn;
            private readonly WordSet _physicalWords;
            private readonly bool _sinksInReach;
            private readonly bool _addressesInReach;
            private readonly Gates _gates;
            private readonly SortedSet<string> _lines;
            private readonly CancellationToken _cancellationToken;

            /// <param name="gates">Which members can have a summary at all, by words: only these are asked, so that no other body is bound for them.</param>
            public Writer(DmaSymbols symbols, AddressSummaries summaries, VisibleReturn visibleReturn, bool sinksInReach, bool addressesInReach, Gates gates, SortedSet<string> lines, CancellationToken cancellationToken)
            {
                _gates = gates;
                _symbols = symbols;
                _summaries = summaries;
                _visibleReturn = visibleReturn;
                _physicalWords = symbols.Names(cancellationToken).PhysicalWords;
                _sinksInReach = sinksInReach;
                _addressesInReach = addressesInReach;
                _lines = lines;
                _cancellationToken = cancellationToken;
            }

            /// <summary>
            /// A method of an environment library that may be a value-preserving helper: published when it is one and visible
            /// as <see cref="Add"/> would have found it (itself and every type around it).
            /// </summary>
            public void AddHelper(IMethodSymbol method)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                if (!IsVisible(method) || method.IsImplicitlyDeclared
                    || !(method.MethodKind is MethodKind.Ordinary or MethodKind.UserDefinedOperator or MethodKind.Conversion))
                {
                    return;
                }

                for (var type = method.ContainingType; type is not null; type = type.ContainingType)
                {
                    if (!IsVisible(type) || type.IsImplicitlyDeclared)
                    {
                        return;
                    }
                }

                AddValuePreserving(method);
            }

            /// <summary>The members of a visible type, where addresses are in reach (an environment library's go through <see cref="AddHelper"/>).</summary>
            public void Add(INamedTypeSymbol type)
            {
                foreach (var member in type.GetMembers())
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    if (!IsVisible(member) || member.IsImplicitlyDeclared && !(member is IMethodSymbol { MethodKind: MethodKind.Constructor }))
                    {
                        continue;
                    }

                    switch (member)
                    {
                        case IMethodSymbol method when method.MethodKind == MethodKind.Ordinary || method.MethodKind == MethodKind.Constructor
                            || method.MethodKind == MethodKind.UserDefinedOperator || method.MethodKind == MethodKind.Conversion:
                            AddMethod(method);
                            break;
                        case IPropertySymbol property:
                            AddProperty(property);
                            break;
                        case IFieldSymbol field:
                            AddHeld(field, field, field.Type);
                            AddMadeWith(field, field);
                            if (_sinksInReach && _gates.SinkBound.Contains(field.Name) && _summaries.MayReachSink(field) && (_symbols.DeclaredRoles(field) & DmaRole.BusSink) == 0
                                && _summaries.SinkOf(field) is not null)
                            {
                                Line(field, "bus-sink");
                            }

                            break;
                    }
                }
            }

            private void AddMethod(IMethodSymbol method)
            {
                var declared = _symbols.DeclaredRoles(method);
                if (_sinksInReach && (declared & DmaRole.BusSink) == 0 && _gates.SinkWords.Contains(CallNameOf(method)) && _summaries.MayReachSink(method))
                {
                    foreach (var parameter in method.Parameters)
                    {
                        if (parameter.RefKind != RefKind.Out && !_symbols.IsDeclaredBusSinkParameter(parameter)
                            && _gates.MayReachSink(method, parameter.Name, _cancellationToken)
                            && _summaries.SinkOf(method, parameter.Ordinal, 0) is not null)
                        {
                            Line(method, $"bus-sink({parameter.Name})");
                        }
                    }
                }

                if ((_sinksInReach || _addressesInReach) && !method.IsStatic && (declared & (DmaRole.BusSink | DmaRole.ReceiverSink)) == 0 && _summaries.MayReachSink(method)
                    && NamesPhysicalSource(method))
                {
                    foreach (var parameter in method.Parameters)
                    {
                        // A store into the receiver's own memory (a block's Write32): a sink only on a block the device reads,
                        // which the calling project decides.
                        if (parameter.RefKind != RefKind.Out && !_symbols.IsDeclaredBusSinkParameter(parameter)
                            && _summaries.SinkOf(method, parameter.Ordinal, 0) is null
                            && _summaries.SinkOf(method, parameter.Ordinal, AddressSummaries.ReceiverBit) is not null)
                        {
                            Line(method, $"receiver-sink({parameter.Name})");
                        }
                    }
                }

                if (method.ReturnsVoid || method.MethodKind == MethodKind.Constructor || !CanCarryAddress(method.ReturnType))
                {
                    return;
                }

                if (MayHoldContent(method))
                {
                    Returns(method, _summaries.ReturnsOf(method), declared);
                }

                // What the method returns of its own first parameter (the summary is only made when the body names it).
                if (method.Parameters.Length > 0 && (declared & DmaRole.ValuePreserving) == 0 && CanCarryAddress(method.Parameters[0].Type)
                    && Names(method, method.Parameters[0].Name) && ReturnsFirstParameter(method))
                {
                    Line(method, "value-preserving");
                }
            }

            /// <summary>
            /// Does the method's own declaration name a physical-source member (as a whole word)? Only then can it store
            /// into its receiver's memory: that memory is what a physical-source member of <c>this</c>, read in the body
            /// itself, addresses (a callee's reads are its own receiver's, and not followed through returns or fields).
            /// </summary>
            private bool NamesPhysicalSource(IMethodSymbol method)
            {
                foreach (var reference in method.DeclaringSyntaxReferences)
                {
                    var text = SourceWords.TextOf(reference.SyntaxTree);
                    if (_physicalWords.AnyIn(text, reference.Span.Start, Math.Min(reference.Span.End, text.Length)))
                    {
                        return true;
                    }
                }

                return false;
            }

            /// <summary>Does the member's declaration name <paramref name="name"/> (as a whole word)? Text only.</summary>
            private static bool Names(ISymbol member, string name)
            {
                foreach (var reference in member.DeclaringSyntaxReferences)
                {
                    var text = SourceWords.TextOf(reference.SyntaxTree);
                    if (SourceWords.IndexOfWord(text, name, reference.Span.Start, Math.Min(reference.Span.End, text.Length)) >= 0)
                    {
                        return true;
                    }
                }

                return false;
            }

            /// <summary>
            /// A helper of an environment library that returns what its first argument carries: cheapest
            /// test first (types, then whether a return names the parameter at all, then the summary).
            /// </summary>
            private void AddValuePreserving(IMethodSymbol method)
            {
                if (method.ReturnsVoid || method.Parameters.Length == 0 || !CanCarryAddress(method.ReturnType) || !CanCarryAddress(method.Parameters[0].Type)
                    || !ReturnsName(method, method.Parameters[0].Name) || (_symbols.DeclaredRoles(method) & DmaRole.ValuePreserving) != 0)
                {
                    return;
                }

                if (ReturnsFirstParameter(method))
                {
                    Line(method, "value-preserving");
                }
            }

            /// <summary>
            /// Does the method return what its first argument carries: seen in its return without binding the body where
            /// that is certain (<see cref="VisibleReturn"/>), else by its summary.
            /// </summary>
            private bool ReturnsFirstParameter(IMethodSymbol method) =>
                _visibleReturn.CarriesParameter(method, 0) || _summaries.ReturnsParameter(method, 0);

            /// <summary>
            /// Does a return of the method (a <c>return</c> statement or its expression body) name <paramref name="name"/>? Text
            /// only: a place the name occurs as a word in the declaration counts when it lies in the returned expression's
            /// text (comments and strings inside it included), found from the token there up to the declaration; no other
            /// node of the body is visited.
            /// </summary>
            private bool ReturnsName(IMethodSymbol method, string name)
            {
                foreach (var reference in method.DeclaringSyntaxReferences)
                {
                    var declaration = reference.GetSyntax(_cancellationToken);
                    var text = SourceWords.TextOf(declaration.SyntaxTree);
                    var end = Math.Min(declaration.Span.End, text.Length);
                    for (var at = SourceWords.IndexOfWord(text, name, declaration.SpanStart, end); at >= 0;
                         at = SourceWords.IndexOfWord(text, name, at + name.Length, end))
                    {
                        for (var node = declaration.FindToken(at).Parent; node is not null && node != declaration; node = node.Parent)
                        {
                            if ((node.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.ReturnStatementSyntax || node.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.ArrowExpressionClauseSyntax)
                                && node is Microsoft.CodeAnalysis.CSharp.Syntax.ExpressionSyntax && node.Span.Start <= at && at + name.Length <= node.Span.End)
                            {
                                return true;
                            }
                        }
                    }
                }

                return false;
            }

            private void AddProperty(IPropertySymbol property)
            {
                var declared = _symbols.DeclaredRoles(property);
                if (_summaries.BackingFieldOf(property) is { } backing)
                {
                    // An auto-property: what is stored into it is what it holds.
                    AddHeld(property, backing, property.Type);
                    AddMadeWith(property, backing);
                    if (_sinksInReach && (declared & DmaRole.BusSink) == 0 && _gates.SinkBound.Contains(property.Name) && _summaries.MayReachSink(backing) && _summaries.SinkOf(backing) is not null)
                    {
                        Line(property, "bus-sink");
                    }

                    return;
                }

                if (_sinksInReach && (declared & DmaRole.BusSink) == 0 && _gates.SinkWords.Contains(CallNameOf(property)) && property.SetMethod is { } setter && IsVisible(setter)
                    && _summaries.MayReachSink(setter) && _summaries.SinkOf(setter, setter.Parameters.Length - 1, 0) is not null)
                {
                    Line(property, "bus-sink");
                }

                if (_addressesInReach && property.GetMethod is { } getter && IsVisible(getter) && CanCarryAddress(property.Type) && MayHoldContent(property))
                {
                    Returns(property, _summaries.ReturnsOf(getter), declared);
                }
            }

            /// <summary>A field (or auto-property) that may hold a physical address or device memory: reading it gives one.</summary>
            private void AddHeld(ISymbol member, IFieldSymbol field, ITypeSymbol type)
            {
                if (!_addressesInReach || !CanCarryAddress(type) || !MayHoldContent(member))
                {
                    return;
                }

                // Of the stores by other types, only those that may bring a physical address or device memory are followed.
                var name = member.Name;
                Returns(member, _summaries.HeldBy(field, writer => _gates.MayStoreContent(writer, name, _cancellationToken)), _symbols.DeclaredRoles(member));
            }

            /// <summary>
            /// A field (or auto-property) whose objects are only ever made by <c>new T(…)</c> in this project: what T's
            /// constructor-only members are made with (<see cref="MadeWith"/>), so that a referencing project reading
            /// <c>x.Data.Base</c> knows it. Physical addresses and device memory whenever some site gives them; constants
            /// only when every site's content is a known constant (no site brings a real address, nothing unknown).
            /// </summary>
            private void AddMadeWith(ISymbol holder, IFieldSymbol field)
            {
                if (!_addressesInReach || !field.Type.IsReferenceType || (_symbols.DeclaredRoles(holder) & DmaRole.MadeWith) != 0)
                {
                    return;
                }

                foreach (var (_, name, content, unknown) in _summaries.MadeContents(field))
                {
                    var constants = new List<MadeWith>();
                    var onlyConstants = !unknown && !content.IsEmpty;
                    foreach (var origin in content)
                    {
                        switch (origin)
                        {
                            case PhysicalOrigin _:
                                MadeLine(holder, new MadeWith(name, MadeWith.PhysicalSource, 0));
                                onlyConstants = false;
                                break;
                            case DeviceMemoryOrigin _:
                                MadeLine(holder, new MadeWith(name, MadeWith.DeviceMemory, 0));
                                onlyConstants = false;
                                break;
                            case ForgedOrigin { IsConstant: true } forged when ConstantOf(forged.Creation) is { } value:
                                constants.Add(new MadeWith(name, forged.IsIndexed ? MadeWith.IndexedConstant : MadeWith.Constant, value));
                                break;
                            default:
                                onlyConstants = false;
                                break;
                        }
                    }

                    if (onlyConstants)
                    {
                        foreach (var constant in constants)
                        {
                            MadeLine(holder, constant);
                        }
                    }
                }
            }

            private static ulong? ConstantOf(IOperation operation)
            {
                switch (operation.ConstantValue.HasValue ? operation.ConstantValue.Value : null)
                {
                    case ulong u: return u;
                    case long l: return unchecked((ulong)l);
                    case uint ui: return ui;
                    case int i: return unchecked((ulong)i);
                    default: return null;
                }
            }

            private void MadeLine(ISymbol holder, MadeWith made) => Line(holder, "made-with(" + made + ")");

            /// <summary>
            /// Is the member's name one of the content names: could it hold or return a physical address or device memory?
            /// An indexer, operator or conversion is named by its type (no call shows its own name).
            /// </summary>
            private bool MayHoldContent(ISymbol member) => _gates.Content.Contains(CallNameOf(member));

            /// <summary>The word a use of the member shows: its name; its type's for a constructor, an indexer, an operator or a conversion.</summary>
            private static string CallNameOf(ISymbol member) => member switch
            {
                IPropertySymbol { IsIndexer: true } => member.ContainingType.Name,
                IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.UserDefinedOperator or MethodKind.Conversion } => member.ContainingType.Name,
                _ => member.Name,
            };

            private void Returns(ISymbol member, ImmutableHashSet<Origin> value, DmaRole declared)
            {
                var physical = false;
                var device = false;
                foreach (var origin in value)
                {
                    physical |= origin is PhysicalOrigin;
                    device |= origin is DeviceMemoryOrigin;
                }

                if (physical && (declared & DmaRole.PhysicalSource) == 0 && !_symbols.IsPhysicalType(TypeOf(member)))
                {
                    Line(member, "physical-source");
                }

                if (device && (declared & DmaRole.DeviceMemory) == 0 && !_symbols.IsDeviceMemoryType(TypeOf(member)))
                {
                    Line(member, "device-memory");
                }
            }

            private static ITypeSymbol? TypeOf(ISymbol member) => member switch
            {
                IMethodSymbol method => method.ReturnType,
                IPropertySymbol property => property.Type,
                IFieldSymbol field => field.Type,
                _ => null,
            };

            /// <summary>Only a value of these types is followed as an address: an address-like integer, a pointer, an address type.</summary>
            private bool CanCarryAddress(ITypeSymbol type) =>
                _symbols.IsAddressLike(type) || type.TypeKind == TypeKind.Pointer || type.TypeKind == TypeKind.FunctionPointer || _symbols.IsDeviceMemoryType(type);

            private void Line(ISymbol member, string role)
            {
                if (IdOf(member.OriginalDefinition) is { } id)
                {
                    _lines.Add(id + " ; " + role);
                }
            }

            /// <summary>
            /// The id a referencing project resolves to this member alone: as a user writes it (the return type,
            /// '~', only where it tells overloads apart), else as the compiler writes it; null when neither names
            /// the member alone (a parameter type ids cannot spell, a function pointer): then it is not published.
            /// </summary>
            private string? IdOf(ISymbol member)
            {
                if (!(DocumentationCommentId.CreateDeclarationId(member) is { Length: > 0 } id))
                {
                    return null;
                }

                var tilde = id.LastIndexOf('~');
                if (tilde > 0 && !(member is IMethodSymbol { MethodKind: MethodKind.Conversion }) && NamesOnly(id.Substring(0, tilde), member))
                {
                    return id.Substring(0, tilde);
                }

                return NamesOnly(id, member) ? id : null;
            }

            private bool NamesOnly(string id, ISymbol member)
            {
                var named = DocumentationCommentId.GetSymbolsForDeclarationId(id, _symbols.Compilation);
                return named.Length == 1 && SymbolEqualityComparer.Default.Equals(named[0].OriginalDefinition, member);
            }
        }
    }
}
