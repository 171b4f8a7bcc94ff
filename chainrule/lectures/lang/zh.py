"""简体中文：课程页面与命令行的文字。键名见 ``chainrule/lectures/lang/__init__.py``；术语依李宏毅课程，
第一次出现时附英文。"""

TEXT = {
    # lectures
    "lecture.regression": "第 1 讲 — 回归（Regression）：用梯度下降（gradient descent）找出一个函数",
    "lecture.classification": "第 2 讲 — 分类（Classification）：生成模型与逻辑回归（logistic regression）",
    "lecture.training": "第 3 讲 — 训练的技巧：临界点（critical point）、批次（batch）、优化器（optimizer）、过拟合（overfitting）",
    # questions
    "regression.linear_views.question": "用过去 7 天预测明天的观看人数，会比只看昨天更准吗？",
    "regression.error_surface.question": "学习率（learning rate）η 如何改变梯度下降在误差曲面（error surface）L(w, b) 上走的路径？",
    "regression.sigmoid_sum.question": "一堆 sigmoid（或成对的 ReLU）加起来能逼近一条曲线吗？片段越多、层数越多，拟合得越好吗？",
    "regression.overfitting.question": "模型越来越复杂（1 到 5 次多项式）时，训练误差与测试误差会怎样变化？",
    "regression.hidden_factor.question": "数据里藏着一个类别（宝可梦的物种）时，用指示特征把类别告诉模型，会胜过一个模型通吃吗？",
    "regression.regularization.question": "惩罚大的权重（λΣw²，偏置不惩罚）能让 5 次多项式泛化得更好吗？λ 在权衡什么？",
    "regression.normal_equations.question": "梯度下降会走到与最小二乘闭式解相同的权重吗？",
    "regression.feature_scaling.question": "为什么要把特征标准化（feature scaling）？两种版本各需要多少步梯度下降？",
    "classification.shared_covariance.question": "高斯生成式分类器：两个类别共享同一个协方差矩阵 Σ 时，会有什么改变？",
    "classification.naive_bayes.question": "假设特征彼此独立（对角的 Σ：朴素贝叶斯 naive Bayes）有什么代价、又有什么好处？",
    "classification.ce_vs_square.question": "逻辑回归为什么用交叉熵（cross-entropy），而不用平方误差？",
    "classification.generative_vs_discriminative.question": "生成式（高斯朴素贝叶斯）还是判别式（逻辑回归）：数据少时谁赢？数据多时谁赢？",
    "classification.softmax_regression.question": "多类别分类：softmax 回归在鸢尾花数据上表现如何？两类的 softmax 是不是就是 sigmoid？",
    "classification.xor.question": "逻辑回归学得会 XOR 吗？要怎么补救？",
    "classification.perceptron_hinge.question": "“理想”的损失是数错几个（0-1 loss），但它没有梯度。感知机与 hinge loss（SVM）如何代替它？",
    "training.critical_points.question": "梯度为零时，是局部最小值（local minima）还是鞍点（saddle point）？我们能逃离鞍点吗？",
    "training.batch_size.question": "小批次还是大批次：哪个每个 epoch 更快？哪个泛化得更好？",
    "training.momentum_plateau.question": "动量（momentum）能带着参数越过梯度几乎为零的平原吗？",
    "training.optimizers.question": "在病态（ill-conditioned）的误差曲面上，SGD、动量、Adagrad、RMSProp 与 Adam 各自怎么走？",
    "training.lr_schedule.question": "先预热（warmup）再衰减（decay）学习率，会胜过一直用大的固定学习率吗？",
    "training.batchnorm.question": "批次归一化（batch normalization）能让深的 sigmoid 网络更好训练吗？",
    "training.robust_losses.question": "数据有离群值时，MSE、MAE、Huber 损失（以及梯度裁剪）各自如何拟合一条直线？",
    "training.overfitting_remedies.question": "只用 150 张数字图片训练时，哪种对抗过拟合的方法最有效？",
    "training.cross_validation.question": "N 折交叉验证（cross validation）：不偷看测试集，该选几次的多项式？",
    "training.fat_or_tall.question": "参数一样多时，高（深）的网络能表示矮胖（浅）的网络表示不了的函数吗？",
    "training.model_bias_vs_optimization.question": "更深的普通网络函数集合更大——那为什么它的*训练*损失反而可能更高？",
    "training.hoeffding.question": "训练集误导我们（存在 h 使 |L_train(h) − L_all(h)| > ε）的机率有多大？Hoeffding 上界 |H|·2exp(−2Nε²) 成立吗？",
    # pages
    "page.question": "问题",
    "page.answer": "回答",
    "page.notes": "笔记中的公式",
    "page.figures": "图",
    "page.numbers": "数字",
    "page.settings": "设定",
    "page.open_full": "点击查看原图",
    "page.made_by": "由 chainrule 生成",
    "page.answer_language_note": "（这个实验的回答句子还没有中文版，暂以英文显示。）",
    "tour.title": "chainrule 导览：每一讲一个问题",
    # headlines of the tour's experiments (the numbers come from the run)
    "list.sep": "，",
    "list.and": "与",
    "sentence.end": "。",
    "verdict.rate": "η = {lr} {verdict}",
    "verdict.crawls": "爬得很慢",
    "verdict.converges": "收敛",
    "verdict.oscillates across the valley": "在山谷两侧来回震荡",
    "verdict.diverges": "发散",
    "verdict.crawl_detail": "（{steps} 步后 L = {loss:.3f}）",
    "regression.error_surface.headline": "在这个狭长的山谷上（2/λ = {lim:.2f}）：{parts}；最小值为 L = {minimum:.3f}。",
    "regression.overfitting.headline": "训练误差从 {tr1:.2f}（1 次）降到 {trn:.2f}（{n} 次），但测试误差在 {best} 次时"
                                       "最低（{tb:.2f}），到 {n} 次升到 {tn:.2f}：过拟合（overfitting）。",
    "regression.overfitting.headline_none": "训练误差从 {tr1:.2f}（1 次）降到 {trn:.2f}（{n} 次），测试误差在最高的 "
                                            "{n} 次最低（{tn:.2f}）：这些次数之内没有过拟合（这次没有）。",
    "classification.xor.headline": "没有一条直线能分开 XOR：最好的直线也只分对 {best:.2f} 的点。逻辑回归连这条线都找不到："
                                   "最小化交叉熵时它两边下注（每个机率都在 0.5 ± {hedge:.2f} 之内），所以它的线落在哪里"
                                   "都说不定（这次是 {logistic:.2f}）。把特征转换之后，一条直线就能达到 {transformed:.2f}；"
                                   "一层 4 个单元的隐藏层能自己学出这样的特征：{hidden:.2f}。",
    "classification.shared_covariance.headline": "共享的 Σ 让边界变成直线（它的后验机率与 σ(w·x + b) 相差不到 {gap:.0e}）。"
                                                 "每类 {n} 个点时，各自的协方差得到 {sep:.3f}，共享的得到 {shared:.3f}。",
    "classification.shared_covariance.wins": "数据少时共享的 Σ 赢——每类 {small} 个点：{a:.3f} 对 {b:.3f}{upto}——因为它"
                                             "只需估计 3 个协方差数字而不是 6 个：参数少，较不易过拟合。",
    "classification.shared_covariance.upto": "，每类 {m} 个点时仍然赢",
    "classification.shared_covariance.no_win": "这次在任何训练量下共享的 Σ 都没有胜出。",
    "training.critical_points.headline": "θ = 0 时梯度为 {grad:.1e}，Hessian 最小的特征值为 {ev0:.3f} < 0：这是鞍点"
                                         "（saddle point）。沿它的特征向量走一步，损失从 {loss0:.4f} 降到 {escaped:.4f}。"
                                         "{runs} 次训练中有 {reached} 次停在临界点（‖g‖ < {tol:.0e}，先梯度下降再用"
                                         "牛顿法）：{nmin} 个局部最小值（没有负的特征值）、{nsad} 个鞍点（有负的）",
    "training.critical_points.not_converged": "；{n} 次没有收敛",
    "training.optimizers.headline": "{steps} 步之后：{parts}",
    "training.optimizers.diverged": "；{names} 在 η = {lr} 时发散（山谷陡峭的一侧把它甩了出去）",
    "training.optimizers.adam_wins": "；Adam 比普通 SGD 低 {ratio:.0f} 倍",
    "training.optimizers.adam_loses": "；这次 Adam 没有赢过普通 SGD",
    # command line
    "cli.tour_more": "chainrule run tour   — 横跨各讲的简短导览",
    "cli.settings": "设定（括号内为类型与范围，等号后为默认值）：",
    "cli.tour_open": "打开 {page}（它链接到每个实验的页面）",
}
